import { describe, expect, it } from 'vitest';
import { RateLimitError, errorFromResponse } from '../../src/errors.js';
import { abortableSleep } from '../../src/timers/abortable-sleep.js';
import { parseRetryAfter } from '../../src/contract/retry-after.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';
import { RetryPolicy } from '../../src/http/retry-policy.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

describe('Retry-After', () => {
  it('reads seconds and HTTP dates; a past date is no wait; garbage is no value', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter(' 1.5 ', NOW)).toBe(1500);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
    for (const bad of [undefined, '', '-5', 'soon', '1e9', '0x10', 'NaN', 'Infinity']) {
      expect(parseRetryAfter(bad, NOW)).toBeUndefined();
    }
  });

  it('a 429 carries the Retry-After it was given, as seconds or as a date', () => {
    const seconds = errorFromResponse(429, undefined, { 'retry-after': '999999' }, 'POST /x');
    expect(seconds).toBeInstanceOf(RateLimitError);
    expect((seconds as RateLimitError).retryAfterMs).toBe(999_999_000);
    const inADay = new Date(Date.now() + 86_400_000).toUTCString();
    const dated = errorFromResponse(429, undefined, { 'retry-after': inADay }, 'POST /x') as RateLimitError;
    expect(dated.retryAfterMs).toBeGreaterThan(86_300_000);
    expect(dated.retryAfterMs).toBeLessThanOrEqual(86_400_000);
  });
});

describe('RetryPolicy: maxRetryAfterMs', () => {
  const rateLimited = (ms: number) => new RateLimitError('429', { status: 429, retryAfterMs: ms });

  it('waits out a Retry-After up to the cap (default 60 s) and refuses a longer one at once', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => void waits.push(ms);
    const policy = new RetryPolicy({ sleep, random: () => 0 });
    expect(policy.maxRetryAfterMs).toBe(60_000);
    let calls = 0;
    const ok = await policy.run(async () => {
      calls += 1;
      if (calls === 1) throw rateLimited(60_000);
      return 'done';
    });
    expect(ok).toEqual({ value: 'done', retries: 1 });
    expect(waits).toEqual([60_000]);

    const long = rateLimited(999_999_000);
    const refused = await policy.run(async () => Promise.reject(long)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ retryAfterMs: 999_999_000, cause: long, status: 429 });
    expect((refused as Error).message).toContain('longer than maxRetryAfterMs (60000 ms)');
    expect(waits).toEqual([60_000]);
  });

  it('takes its cap from the options', async () => {
    const policy = new RetryPolicy({ maxRetryAfterMs: 1_000, sleep: async () => undefined });
    const refused = await policy.run(async () => Promise.reject(rateLimited(2_000))).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('maxRetryAfterMs (1000 ms)');
  });
});

describe('timers never overflow', () => {
  it('a sleep or a pause longer than 2^31-1 ms waits instead of firing at once, with no overflow warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      let woke = false;
      const sleeping = abortableSleep(99_999_999_000, controller.signal).then(
        () => (woke = true),
        () => undefined,
      );
      const limiter = new RateLimiter({ requestsPerMinute: 600 });
      limiter.pause(99_999_999_000);
      const acquired = limiter.acquire(controller.signal).then(
        () => (woke = true),
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(woke).toBe(false);
      controller.abort();
      await Promise.all([sleeping, acquired]);
      limiter.close();
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
