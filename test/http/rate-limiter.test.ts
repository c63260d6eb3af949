import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { leaseSharedRateLimiter, RateLimiter, sharedRateLimiter } from '../../src/http/rate-limiter.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` acquires and records when each one was granted. */
function acquireMany(limiter: RateLimiter, count: number, signal?: AbortSignal) {
  const grantedAt: number[] = [];
  const all = Promise.allSettled(
    Array.from({ length: count }, () => limiter.acquire(signal).then(() => void grantedAt.push(Date.now()))),
  );
  return { grantedAt, all };
}

describe('RateLimiter', () => {
  it('never lets an event-loop stall bunch more than a second of requests into one second', async () => {
    vi.useRealTimers();
    const limiter = new RateLimiter({ requestsPerMinute: 600, burst: 1 }); // one per 100 ms
    const grantedAt: number[] = [];
    const all = Promise.all(
      Array.from({ length: 25 }, () => limiter.acquire().then(() => void grantedAt.push(Date.now()))),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    const stallUntil = Date.now() + 900;
    while (Date.now() < stallUntil); // a real stall: the timers due now fire late, together
    await all;
    // Times are taken when each caller resumes, a little after the grant: allow 50 ms for that.
    for (const start of grantedAt) {
      const inSecond = grantedAt.filter((t) => t >= start && t < start + 950).length;
      expect(inSecond).toBeLessThanOrEqual(10);
    }
  });

  it('spaces requests evenly at the configured rate', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    const { grantedAt, all } = acquireMany(limiter, 5);
    await vi.advanceTimersByTimeAsync(10_000);
    await all;
    expect(grantedAt).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
  });

  it('lets a small burst through at once, then paces (default 300/min: burst 5)', async () => {
    const limiter = new RateLimiter();
    expect(limiter.burst).toBe(5);
    const { grantedAt, all } = acquireMany(limiter, 7);
    await vi.advanceTimersByTimeAsync(0);
    expect(grantedAt).toEqual([0, 0, 0, 0, 0]);
    await vi.advanceTimersByTimeAsync(1_000);
    await all;
    expect(grantedAt[5]).toBeCloseTo(60_000 / 296, -1);
    expect(grantedAt[6]! - grantedAt[5]!).toBeCloseTo(60_000 / 296, -1);
  });

  it('never grants more than requestsPerMinute in a minute, burst included', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 300 });
    const { grantedAt, all } = acquireMany(limiter, 400);
    await vi.advanceTimersByTimeAsync(90_000);
    await all;
    for (const start of [0, 10_000, 30_000]) {
      const inWindow = grantedAt.filter((t) => t >= start && t < start + 60_000).length;
      expect(inWindow).toBeLessThanOrEqual(300);
    }
    expect(grantedAt.filter((t) => t < 60_000).length).toBeGreaterThanOrEqual(295);
  });

  it('does not pace when disabled (0 or Infinity)', async () => {
    for (const requestsPerMinute of [0, Infinity]) {
      const limiter = new RateLimiter({ requestsPerMinute });
      expect(limiter.enabled).toBe(false);
      const { grantedAt, all } = acquireMany(limiter, 1_000);
      await all;
      expect(grantedAt.every((t) => t === 0)).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    }
  });

  it('gives up a wait when the signal fires, and clears its timer', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const outcome = expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    await outcome;
    expect(vi.getTimerCount()).toBe(0);
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
  });

  it('pauses every caller after a 429, including those already waiting, then resumes without a burst', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600, burst: 3 });
    const { grantedAt, all } = acquireMany(limiter, 6);
    await vi.advanceTimersByTimeAsync(0);
    expect(grantedAt).toEqual([0, 0, 0]);
    limiter.pause(5_000);
    await vi.advanceTimersByTimeAsync(10_000);
    await all;
    // Spaced by the plain interval, 60 000 / (600 - 3 + 1) ms, rounded up to the millisecond.
    expect(grantedAt.slice(3)).toEqual([5_000, 5_101, 5_201]);
  });

  it('pauses even when pacing is off', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 0 });
    limiter.pause(2_000);
    const { grantedAt, all } = acquireMany(limiter, 2);
    await vi.advanceTimersByTimeAsync(2_000);
    await all;
    expect(grantedAt).toEqual([2_000, 2_000]);
  });

  it('rejects waiting callers and clears timers on close', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    const { all } = acquireMany(limiter, 3);
    await vi.advanceTimersByTimeAsync(0);
    limiter.close();
    const outcomes = await all;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(vi.getTimerCount()).toBe(0);
    await expect(limiter.acquire()).rejects.toBeInstanceOf(AbortError);
  });
});

describe('leaseSharedRateLimiter', () => {
  it('shares one limiter per environment and OAuth client, and closes it with the last lease', async () => {
    const a = leaseSharedRateLimiter('https://api.mypurecloud.com', 'client-a', { requestsPerMinute: 60 });
    const b = leaseSharedRateLimiter('https://api.mypurecloud.com', 'client-a', { requestsPerMinute: 999 });
    const other = leaseSharedRateLimiter('https://api.mypurecloud.com', 'client-b');
    const elsewhere = leaseSharedRateLimiter('https://api.mypurecloud.ie', 'client-a');
    expect(b.limiter).toBe(a.limiter);
    expect(b.limiter.requestsPerMinute).toBe(60);
    expect(other.limiter).not.toBe(a.limiter);
    expect(elsewhere.limiter).not.toBe(a.limiter);

    // Two users of one client share the pace: their requests interleave on one schedule.
    const grantedAt: number[] = [];
    const runs = [a, b, a, b].map((lease) =>
      lease.limiter.acquire().then(() => void grantedAt.push(Date.now())),
    );
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all(runs);
    expect(grantedAt).toEqual([0, 1_000, 2_000, 3_000]);

    a.release();
    a.release(); // idempotent
    await expect(b.limiter.acquire()).resolves.toBeUndefined();
    b.release();
    await expect(b.limiter.acquire()).rejects.toBeInstanceOf(AbortError);
    const fresh = leaseSharedRateLimiter('https://api.mypurecloud.com', 'client-a');
    expect(fresh.limiter).not.toBe(a.limiter);
    for (const lease of [fresh, other, elsewhere]) lease.release();
  });
});

describe('sharedRateLimiter (the default RequestPacerFactory)', () => {
  it('gives each user a lease on its client’s limiter: one pace, a pause for all, closed with the last user', async () => {
    const client = { apiBaseUrl: 'https://api.mypurecloud.com', clientId: 'client-p', requestBurst: 1 };
    const first = sharedRateLimiter({ ...client, requestsPerMinute: 60 });
    const second = sharedRateLimiter({ ...client, requestsPerMinute: 999 });
    const grantedAt: number[] = [];
    const runs = [first, second, first].map((pacer) =>
      pacer.acquire().then(() => void grantedAt.push(Date.now())),
    );
    await vi.advanceTimersByTimeAsync(3_000);
    await Promise.all(runs);
    expect(grantedAt).toEqual([0, 1_000, 2_000]);

    // A Retry-After told to one user holds the other too.
    await first.pause(10_000, 'retry-after');
    let resumedAt = 0;
    const held = second.acquire().then(() => void (resumedAt = Date.now()));
    await vi.advanceTimersByTimeAsync(11_000);
    await held;
    expect(resumedAt).toBeGreaterThanOrEqual(grantedAt[2]! + 10_000);

    await first.close();
    await expect(second.acquire()).resolves.toBeUndefined();
    await second.close();
    await expect(second.acquire()).rejects.toBeInstanceOf(AbortError);
  });
});
