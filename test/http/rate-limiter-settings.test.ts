/**
 * The rate limiter's settings and bookkeeping, under fake timers: how the rate and burst are read,
 * how a server's pause adds up, and the one-second cap when late timers release several callers at
 * once (a stall, played with a clock that stands still while the timers due meanwhile fire).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';
import { MAX_TIMER_DELAY_MS } from '../../src/timers/timer-delay.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter settings', () => {
  it('refuses a negative or non-numeric rate, naming the option', () => {
    for (const requestsPerMinute of [-1, Number.NaN]) {
      expect(() => new RateLimiter({ requestsPerMinute })).toThrow(
        new RangeError('requestsPerMinute must be 0 (off), a positive number, or Infinity'),
      );
    }
  });

  it('reads the rate, and turns pacing off at 0 or Infinity', () => {
    expect(new RateLimiter({ requestsPerMinute: 120 })).toMatchObject({
      requestsPerMinute: 120,
      enabled: true,
    });
    for (const requestsPerMinute of [0, Infinity]) {
      expect(new RateLimiter({ requestsPerMinute })).toMatchObject({
        requestsPerMinute: Infinity,
        burst: Infinity,
        enabled: false,
      });
    }
  });

  it('defaults the burst to one second of the rate, between 1 and 10, and rounds a given burst down', () => {
    const burst = (options: ConstructorParameters<typeof RateLimiter>[0]) => new RateLimiter(options).burst;
    expect(burst({ requestsPerMinute: 30 })).toBe(1);
    expect(burst({ requestsPerMinute: 60 })).toBe(1);
    expect(burst({ requestsPerMinute: 150 })).toBe(2);
    expect(burst({ requestsPerMinute: 600 })).toBe(10);
    expect(burst({ requestsPerMinute: 6_000 })).toBe(10);
    expect(burst({ requestsPerMinute: 600, burst: 2.9 })).toBe(2);
    expect(burst({ requestsPerMinute: 600, burst: 0 })).toBe(1);
  });

  it('spaces a burst-1 limiter by exactly 60 000 / rate ms from the first request', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 120, burst: 1 });
    const grantedAt: number[] = [];
    const all = Promise.all(
      Array.from({ length: 3 }, () => limiter.acquire().then(() => void grantedAt.push(Date.now()))),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await all;
    expect(grantedAt).toEqual([0, 500, 1_000]);
  });
});

describe('RateLimiter pause', () => {
  it('ignores a pause that is not positive', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60 });
    for (const delay of [0, -5, Number.NaN]) limiter.pause(delay);
    expect(limiter.pausedForMs()).toBe(0);
  });

  it('counts down, is never shortened by a shorter pause, and is capped at the longest timer', () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60 });
    limiter.pause(5_000);
    expect(limiter.pausedForMs()).toBe(5_000);
    vi.advanceTimersByTime(2_000);
    limiter.pause(1_000);
    expect(limiter.pausedForMs()).toBe(3_000);
    limiter.pause(4_000);
    expect(limiter.pausedForMs()).toBe(4_000);
    vi.advanceTimersByTime(10_000);
    expect(limiter.pausedForMs()).toBe(0);
    limiter.pause(Number.MAX_SAFE_INTEGER);
    expect(limiter.pausedForMs()).toBe(MAX_TIMER_DELAY_MS);
  });

  it('holds a caller that was already waiting for its slot until the pause ends', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    await limiter.acquire();
    let grantedAt: number | undefined;
    const waiting = limiter.acquire().then(() => void (grantedAt = Date.now()));
    await vi.advanceTimersByTimeAsync(500);
    limiter.pause(3_000); // until 3 500, while the caller sleeps towards its slot at 1 000
    await vi.advanceTimersByTimeAsync(10_000);
    await waiting;
    expect(grantedAt).toBe(3_500);
  });

  it('rejects a caller whose signal fired while it slept', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 60, burst: 1 });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const outcome = expect(waiting).rejects.toBeInstanceOf(AbortError);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    await outcome;
  });
});

describe('RateLimiter one-second cap', () => {
  /**
   * 600/min with burst 1 (one per 100 ms, at most 10 in any second). 25 callers queue at 0; at 150 ms
   * the event loop stalls until 1 050 ms: the clock the limiter reads stands at 1 050 while the timers
   * due meanwhile fire together. Returns the grant times the limiter's clock gave.
   */
  async function stalled(): Promise<number[]> {
    let stallFrom = Infinity;
    const STALL_END = 1_050;
    const now = () => (Date.now() >= stallFrom && Date.now() < STALL_END ? STALL_END : Date.now());
    const limiter = new RateLimiter({ requestsPerMinute: 600, burst: 1, now });
    const grantedAt: number[] = [];
    const all = Promise.all(
      Array.from({ length: 25 }, () => limiter.acquire().then(() => void grantedAt.push(now()))),
    );
    await vi.advanceTimersByTimeAsync(150);
    stallFrom = 150;
    await vi.advanceTimersByTimeAsync(5_000);
    await all;
    return grantedAt;
  }

  it('lets at most 10 through in any second when late timers fire together, and no later than needed', async () => {
    const grantedAt = await stalled();
    expect(grantedAt).toHaveLength(25);
    for (const start of grantedAt) {
      expect(grantedAt.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(10);
    }
    // Before the stall: 0 and 100. At its end (1 050) the grant at 0 has left the sliding second, so
    // 9 more go; the slot at 1 100 fits once the 100 ms grant leaves; the next callers wait until the
    // nine 1 050 ms grants have left (1 ms past a whole second), and so on.
    const nine = (t: number) => Array<number>(9).fill(t);
    expect(grantedAt).toEqual([0, 100, ...nine(1_050), 1_100, ...nine(2_051), 2_100, 3_052, 3_052, 3_052]);
  });
});
