import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/errors.js';
import { resolveInjectorConfig } from '../src/injector-config.js';
import { DEFAULT_RESPONSE_LIMITS } from '../src/limits.js';
import { MAX_TIMER_DELAY_MS } from '../src/timers/timer-delay.js';

const BASE = { environment: 'http://127.0.0.1:1', clientId: 'id', clientSecret: 'secret' };

function refused(options: Record<string, unknown>): ConfigurationError {
  try {
    resolveInjectorConfig({ ...BASE, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('injector configuration: durations a timer can hold', () => {
  it('refuses Infinity, NaN, 0, negatives and anything past 2^31-1 ms, naming the option', () => {
    for (const field of ['timeoutMs', 'deadlineMs', 'pollIntervalMs', 'maxRetryAfterMs']) {
      const zero = field === 'maxRetryAfterMs' ? [] : [0];
      for (const bad of [Infinity, Number.NaN, ...zero, -1, MAX_TIMER_DELAY_MS + 1, 1e20]) {
        const error = refused({ [field]: bad });
        expect(error.field).toBe(field);
        expect(error.message).toContain('2147483647');
      }
    }
  });

  it('refuses bad nested durations too', () => {
    expect(refused({ retryDelays: { maxDelayMs: Infinity } }).field).toBe('retryDelays.maxDelayMs');
    expect(refused({ streamTuning: { heartbeatIntervalMs: 2 ** 31 } }).field).toBe(
      'streamTuning.heartbeatIntervalMs',
    );
    expect(refused({ streamTuning: { backoff: { maxMs: -5 } } }).field).toBe('streamTuning.backoff.maxMs');
  });

  it('accepts the largest timer delay, and defaults maxRetryAfterMs to 60 s', () => {
    const config = resolveInjectorConfig({ ...BASE, deadlineMs: MAX_TIMER_DELAY_MS, timeoutMs: 1 });
    expect(config.deadlineMs).toBe(MAX_TIMER_DELAY_MS);
    expect(config.maxRetryAfterMs).toBe(60_000);
    // 0 means: never wait out a Retry-After.
    expect(resolveInjectorConfig({ ...BASE, maxRetryAfterMs: 0 }).maxRetryAfterMs).toBe(0);
  });
});

describe('injector configuration: size limits', () => {
  it('fills in the documented defaults and takes the given ones', () => {
    expect(resolveInjectorConfig(BASE).limits).toEqual(DEFAULT_RESPONSE_LIMITS);
    expect(resolveInjectorConfig({ ...BASE, limits: { maxFrameBytes: 4096 } }).limits).toEqual({
      ...DEFAULT_RESPONSE_LIMITS,
      maxFrameBytes: 4096,
    });
  });

  it('refuses a limit that is not a whole number of 1 or more, or unknown', () => {
    expect(refused({ limits: { maxAnswerChars: Infinity } }).field).toBe('limits.maxAnswerChars');
    expect(refused({ limits: { maxPendingChunks: 0 } }).field).toBe('limits.maxPendingChunks');
    expect(refused({ limits: { maxResponseBodyBytes: 1.5 } }).field).toBe('limits.maxResponseBodyBytes');
    expect(refused({ limits: { maxBodyBytes: 10 } }).field).toBe('limits.maxBodyBytes');
  });
});
