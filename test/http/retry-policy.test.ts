import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  BadRequestError,
  ConnectionError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  AuthenticationError,
  RateLimitError,
  TimeoutError,
} from '../../src/errors.js';
import { RetryPolicy } from '../../src/http/retry-policy.js';

const rateLimited = (seconds: number) =>
  new RateLimitError('429', { status: 429, retryAfterMs: seconds * 1000 });
const serverError = () => new InternalServerError('503', { status: 503 });

/** An operation failing with `errors` in turn, then returning 'ok'. */
function failing(...errors: Error[]) {
  const calls: number[] = [];
  const operation = vi.fn(async ({ attempt }: { attempt: number }) => {
    calls.push(attempt);
    const error = errors[attempt];
    if (error) throw error;
    return 'ok';
  });
  return { operation, calls };
}

/** A sleep that records and returns at once. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('RetryPolicy', () => {
  it('waits exactly Retry-After before retrying a 429 (fake timers)', async () => {
    vi.useFakeTimers();
    const policy = new RetryPolicy({ random: () => 0 });
    const { operation } = failing(rateLimited(3));
    const run = policy.run(operation);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(operation).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(operation).toHaveBeenCalledTimes(2);
    await expect(run).resolves.toEqual({ value: 'ok', retries: 1 });
  });

  it('adds at most 10 % jitter to Retry-After', async () => {
    for (const r of [0, 0.5, 0.999_999]) {
      const { waits, sleep } = recordingSleep();
      await new RetryPolicy({ random: () => r, sleep }).run(failing(rateLimited(10)).operation);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(10_000);
      expect(waits[0]).toBeLessThanOrEqual(11_000);
      expect(waits[0]).toBeCloseTo(10_000 * (1 + r * 0.1), 6);
    }
  });

  it('backs off 5xx, resets and timeouts with full jitter under min(1 s x 2^n, 30 s)', async () => {
    const { waits, sleep } = recordingSleep();
    const errors = [
      serverError(),
      new ConnectionError('reset'),
      new TimeoutError('t'),
      serverError(),
      serverError(),
      serverError(),
      serverError(),
    ];
    const result = await new RetryPolicy({ maxRetries: 7, random: () => 0.999_999, sleep }).run(
      failing(...errors).operation,
    );
    expect(result.retries).toBe(7);
    const ceilings = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
    expect(waits).toHaveLength(ceilings.length);
    waits.forEach((wait, n) => expect(wait).toBeCloseTo(ceilings[n]! * 0.999_999, 3));
  });

  it('retries at once after Retry-After: 0, and backs off only when the 429 had no Retry-After', async () => {
    const zero = recordingSleep();
    await expect(
      new RetryPolicy({ random: () => 0.5, sleep: zero.sleep }).run(failing(rateLimited(0)).operation),
    ).resolves.toEqual({ value: 'ok', retries: 1 });
    expect(zero.waits).toEqual([0]);
    const absent = recordingSleep();
    const noHeader = new RateLimitError('429', { status: 429 });
    await new RetryPolicy({ random: () => 0.5, sleep: absent.sleep }).run(failing(noHeader).operation);
    expect(absent.waits).toEqual([500]);
  });

  it('draws the backoff uniformly from zero (full jitter)', async () => {
    const { waits, sleep } = recordingSleep();
    await new RetryPolicy({ random: () => 0.25, sleep }).run(failing(serverError(), serverError()).operation);
    expect(waits).toEqual([250, 500]);
  });

  it.each([
    ['400', new BadRequestError('bad', { status: 400 })],
    ['401', new AuthenticationError('auth', { status: 401 })],
    ['403', new PermissionDeniedError('scope', { status: 403 })],
    ['404', new NotFoundError('missing', { status: 404 })],
    ['abort', new AbortError()],
  ])('never retries %s', async (_name, error) => {
    const { operation } = failing(error);
    await expect(new RetryPolicy({ sleep: async () => {} }).run(operation)).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxRetries (default 5) with the last error', async () => {
    const errors = Array.from({ length: 10 }, serverError);
    const { operation } = failing(...errors);
    await expect(new RetryPolicy({ sleep: async () => {} }).run(operation)).rejects.toBe(errors[5]);
    expect(operation).toHaveBeenCalledTimes(6);
  });

  it('can turn off retrying of everything but 429', async () => {
    const policy = new RetryPolicy({ retryNonRateLimited: false, sleep: async () => {} });
    const fiveHundred = failing(serverError());
    await expect(policy.run(fiveHundred.operation)).rejects.toBeInstanceOf(InternalServerError);
    expect(fiveHundred.operation).toHaveBeenCalledTimes(1);
    await expect(policy.run(failing(rateLimited(1)).operation)).resolves.toEqual({ value: 'ok', retries: 1 });
  });

  it('does not start a wait that would end after the deadline', async () => {
    let clock = 0;
    const { waits, sleep } = recordingSleep();
    const policy = new RetryPolicy({ deadlineMs: 5_000, now: () => clock, sleep, random: () => 0 });
    const error = rateLimited(10);
    // A Retry-After past the deadline fails at once, as RateLimitError carrying the server's value.
    const refused = await policy.run(failing(error).operation).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ retryAfterMs: 10_000, status: 429, cause: error });
    expect((refused as Error).message).toContain('past the deadline of 5000 ms');
    expect(waits).toEqual([]);
    // The attempt is told how much time is left, to cap its request timeout.
    const seen: Array<number | undefined> = [];
    await policy.run(async ({ remainingMs }) => {
      seen.push(remainingMs);
      clock += 1_000;
      return 1;
    });
    expect(seen).toEqual([5_000]);
  });

  it('fails with TimeoutError when the deadline passed before the next attempt', async () => {
    let clock = 0;
    // A wait that overruns (a busy event loop) leaves no time for another attempt.
    const sleep = async (ms: number) => void (clock += ms + 5_000);
    const policy = new RetryPolicy({ deadlineMs: 60_000, now: () => clock, sleep, random: () => 0.5 });
    const { operation } = failing(serverError(), serverError());
    await expect(policy.run(operation, { deadlineMs: 3_000 })).rejects.toBeInstanceOf(TimeoutError);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('stops waiting when the signal fires (fake timers)', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const { operation } = failing(rateLimited(60));
    const run = new RetryPolicy().run(operation, { signal: controller.signal });
    const outcome = expect(run).rejects.toBeInstanceOf(AbortError);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort();
    await outcome;
    expect(operation).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports each retry before waiting', async () => {
    const events: Array<{ retry: number; delayMs: number }> = [];
    await new RetryPolicy({ random: () => 0, sleep: async () => {} }).run(
      failing(rateLimited(2), rateLimited(3)).operation,
      {
        onRetry: ({ retry, delayMs }) => events.push({ retry, delayMs }),
      },
    );
    expect(events).toEqual([
      { retry: 1, delayMs: 2_000 },
      { retry: 2, delayMs: 3_000 },
    ]);
  });

  it('refuses a Retry-After longer than maxRetryAfterMs (default 60 s) at once, keeping the correlation id', async () => {
    const capped = recordingSleep();
    const policy = new RetryPolicy({ maxRetryAfterMs: 5_000, random: () => 0, sleep: capped.sleep });
    const long = new RateLimitError('429', { status: 429, retryAfterMs: 5_001, correlationId: 'corr-1' });
    const refused = await policy.run(failing(long).operation).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(refused).toMatchObject({ retryAfterMs: 5_001, correlationId: 'corr-1', cause: long });
    expect((refused as Error).message).toContain('maxRetryAfterMs (5000 ms)');
    expect(capped.waits).toEqual([]);
    await expect(policy.run(failing(rateLimited(5)).operation)).resolves.toEqual({ value: 'ok', retries: 1 });
    expect(capped.waits).toEqual([5_000]);
    const plain = await policy
      .run(failing(new RateLimitError('429', { status: 429, retryAfterMs: 9_000 })).operation)
      .catch((e: unknown) => e);
    expect((plain as RateLimitError).correlationId).toBeUndefined();

    const byDefault = recordingSleep();
    const defaults = new RetryPolicy({ random: () => 0, sleep: byDefault.sleep });
    await expect(defaults.run(failing(rateLimited(61)).operation)).rejects.toBeInstanceOf(RateLimitError);
    await expect(defaults.run(failing(rateLimited(60)).operation)).resolves.toEqual({
      value: 'ok',
      retries: 1,
    });
    expect(byDefault.waits).toEqual([60_000]);
  });

  it('refuses a Retry-After that ends at or past the deadline, and waits one that ends before it', async () => {
    const { waits, sleep } = recordingSleep();
    const policy = new RetryPolicy({ deadlineMs: 5_000, now: () => 0, sleep, random: () => 0 });
    const atDeadline = await policy.run(failing(rateLimited(5)).operation).catch((e: unknown) => e);
    expect(atDeadline).toBeInstanceOf(RateLimitError);
    expect((atDeadline as Error).message).toContain('past the deadline of 5000 ms (5000 ms left)');
    expect(waits).toEqual([]);
    await expect(policy.run(failing(rateLimited(4.999)).operation)).resolves.toEqual({
      value: 'ok',
      retries: 1,
    });
    expect(waits).toEqual([4_999]);
  });

  it('fails with TimeoutError when the deadline is reached exactly, without another attempt', async () => {
    let clock = 0;
    const sleep = async (ms: number): Promise<void> => void (clock += 2 * ms);
    const policy = new RetryPolicy({ deadlineMs: 1_000, now: () => clock, sleep, random: () => 0.5 });
    const { operation } = failing(serverError(), serverError());
    await expect(policy.run(operation)).rejects.toBeInstanceOf(TimeoutError);
    expect(clock).toBe(1_000);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('never starts an attempt once the signal has fired', async () => {
    const controller = new AbortController();
    controller.abort();
    const { operation } = failing();
    await expect(new RetryPolicy().run(operation, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(operation).not.toHaveBeenCalled();
  });
});
