/**
 * Retry policy edges with an injected clock, randomness and sleep (no timers): a negative
 * Retry-After is backed off like none, no deadline means no remaining time, a backoff that would
 * end at the deadline is not started, and the deadline message.
 */
import { describe, expect, it } from 'vitest';
import { InternalServerError, RateLimitError, TimeoutError } from '../../src/errors.js';
import { RetryPolicy, type RetryAttempt } from '../../src/http/retry-policy.js';

const rateLimited = (retryAfterMs: number | undefined) =>
  new RateLimitError('429', { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe('RetryPolicy edges', () => {
  it('backs off a negative Retry-After like a missing one', () => {
    const policy = new RetryPolicy({ random: () => 0.5 });
    expect(policy.delayFor(rateLimited(-1), 0)).toBe(500);
    expect(policy.delayFor(rateLimited(undefined), 1)).toBe(1_000);
    expect(policy.delayFor(rateLimited(0), 0)).toBe(0);
  });

  it('tells each attempt no remaining time when there is no deadline', async () => {
    const seen: RetryAttempt[] = [];
    const policy = new RetryPolicy({ random: () => 0, sleep: async () => {}, now: () => 0 });
    await policy.run(async (attempt) => {
      seen.push(attempt);
      if (attempt.attempt === 0) throw new InternalServerError('500', { status: 500 });
      return 'done';
    });
    expect(seen).toEqual([
      { attempt: 0, remainingMs: undefined },
      { attempt: 1, remainingMs: undefined },
    ]);
  });

  it('fails at once when a backoff would end at or past the deadline, and waits one that ends before it', async () => {
    const slept: number[] = [];
    const policy = (random: number) =>
      new RetryPolicy({ random: () => random, now: () => 0, sleep: async (ms) => void slept.push(ms) });
    const failing = new InternalServerError('500', { status: 500 });
    // Backoff 0.5 x 1 000 = 500 ms against 500 ms left: it would end at the deadline.
    await expect(policy(0.5).run(async () => Promise.reject(failing), { deadlineMs: 500 })).rejects.toBe(
      failing,
    );
    expect(slept).toEqual([]);
    let calls = 0;
    const result = await policy(0.499).run(
      async () => {
        calls += 1;
        if (calls === 1) throw failing;
        return 'ok';
      },
      { deadlineMs: 500 },
    );
    expect(result).toEqual({ value: 'ok', retries: 1 });
    expect(slept).toEqual([499]);
  });

  it('says which deadline passed', async () => {
    let now = 0;
    const policy = new RetryPolicy({
      random: () => 0.1,
      now: () => now,
      sleep: async (ms) => {
        now += ms + 1_000;
      },
    });
    const error = await policy
      .run(async () => Promise.reject(new InternalServerError('500', { status: 500 })), { deadlineMs: 1_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe(
      'the overall deadline of 1000 ms passed; raise deadlineMs or retry later',
    );
  });
});
