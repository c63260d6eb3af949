/**
 * The rate limiter through its edges, under fake timers: a fired signal is refused even when a slot
 * is free, close says why, callers arriving during a server's pause resume at the plain rate, and
 * the shared pacer passes the client's burst and reports the pause.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { RateLimiter, sharedRateLimiter } from '../../src/http/rate-limiter.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

async function grantTimes(acquire: () => Promise<void>, count: number, advanceMs: number): Promise<number[]> {
  const grantedAt: number[] = [];
  const all = Promise.all(
    Array.from({ length: count }, () => acquire().then(() => void grantedAt.push(Date.now()))),
  );
  await vi.advanceTimersByTimeAsync(advanceMs);
  await all;
  return grantedAt;
}

describe('RateLimiter edges', () => {
  it('refuses a fired signal even when a slot is free', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60 });
    await expect(limiter.acquire(AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    await expect(limiter.acquire()).resolves.toBeUndefined();
  });

  it('says it was closed, to waiting and to later callers', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    await limiter.acquire();
    const waiting = limiter.acquire();
    const outcome = expect(waiting).rejects.toThrow('the rate limiter was closed');
    limiter.close();
    await outcome;
    await expect(limiter.acquire()).rejects.toThrow('the rate limiter was closed');
  });

  it('resumes callers that arrived during a pause at the plain rate, with no burst', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 600, burst: 3 });
    limiter.pause(5_000);
    await vi.advanceTimersByTimeAsync(1_000);
    // Spaced by 60 000 / (600 - 3 + 1) = 100.33 ms from the end of the pause, each rounded up.
    expect(await grantTimes(() => limiter.acquire(), 4, 10_000)).toEqual([5_000, 5_101, 5_201, 5_302]);
  });
});

describe('sharedRateLimiter', () => {
  const client = {
    apiBaseUrl: 'https://api.mypurecloud.com',
    requestsPerMinute: 60,
    requestBurst: undefined,
  };

  it('takes the client’s burst, or the default for its rate', async () => {
    const bursty = sharedRateLimiter({ ...client, clientId: 'burst-3', requestBurst: 3 });
    // Three at once, then 60 000 / (60 - 3 + 1) = 1 034.5 ms later, rounded up.
    expect(await grantTimes(() => bursty.acquire(), 4, 5_000)).toEqual([0, 0, 0, 1_035]);
    await bursty.close();
    const plain = sharedRateLimiter({ ...client, clientId: 'burst-default' });
    expect(await grantTimes(() => plain.acquire(), 2, 5_000)).toEqual([5_000, 6_000]);
    await plain.close();
  });

  it('reports the pause it was told', async () => {
    const pacer = sharedRateLimiter({ ...client, clientId: 'paused' });
    await pacer.pause(4_000, 'retry-after');
    expect(pacer.pausedForMs?.()).toBe(4_000);
    await pacer.close();
  });
});

describe('RateLimiter.tryAcquire', () => {
  it('grants what acquire would grant at once, and books nothing when it says no', async () => {
    const tried = new RateLimiter({ requestsPerMinute: 600, burst: 3 });
    const waited = new RateLimiter({ requestsPerMinute: 600, burst: 3 });
    const grants: number[] = [];
    // Each tries every 10 ms; whenever tryAcquire says no, nothing is booked, so the grants are
    // the times acquire grants to callers queued one after another.
    for (let t = 0; t < 1_000; t += 10) {
      while (tried.tryAcquire()) grants.push(Date.now());
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(grants.slice(0, 3)).toEqual([0, 0, 0]);
    vi.setSystemTime(0);
    const expected = await grantTimes(() => waited.acquire(), grants.length, 2_000);
    // acquire hands out the same slots, each at the first moment tryAcquire could take it or earlier.
    expect(grants.length).toBe(expected.length);
    for (let i = 0; i < grants.length; i++) expect(grants[i]! - expected[i]!).toBeLessThan(10);
  });

  it('says no while paused and once closed; yes always when pacing is off', () => {
    const off = new RateLimiter({ requestsPerMinute: 0 });
    for (let i = 0; i < 1_000; i++) expect(off.tryAcquire()).toBe(true);
    off.pause(1_000);
    expect(off.tryAcquire()).toBe(false);
    vi.advanceTimersByTime(1_000);
    expect(off.tryAcquire()).toBe(true);
    off.close();
    expect(off.tryAcquire()).toBe(false);
    const paced = sharedRateLimiter({
      apiBaseUrl: 'https://api.example',
      clientId: 'try',
      requestsPerMinute: 60,
      requestBurst: 1,
    });
    expect(paced.tryAcquire?.()).toBe(true);
    expect(paced.tryAcquire?.()).toBe(false);
    void paced.close();
  });
});
