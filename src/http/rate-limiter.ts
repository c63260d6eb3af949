/**
 * Client-side pacing per OAuth client (docs/protocol.md, retries and pacing): GCRA (a token bucket without the bucket)
 * spacing requests evenly with a small burst, a cap of one second's share in any sliding second (so
 * timer stalls that release several late slots at once never overrun a server counting short
 * windows), and a whole-client pause when a 429 says so.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import { AbortError } from '../errors.js';
import { CancellableWaits } from '../timers/cancellable-waits.js';
import { MAX_TIMER_DELAY_MS } from '../timers/timer-delay.js';
import type { PacedClient, RequestPacer, RequestPacerFactory } from './request-pacer.js';

/** Options of `RateLimiter`. */
export interface RateLimiterOptions {
  /** Requests per minute; 0 or Infinity turns pacing off (default 300, Genesys's usual limit). */
  requestsPerMinute?: number;
  /** Requests allowed at once after a quiet spell (default one second's worth, 1..10). */
  burst?: number;
  /** Clock in ms — injectable for tests (default `Date.now`). */
  now?: () => number;
}

/** Paces `acquire()` callers to a request rate; one instance per OAuth client, in this process. */
export class RateLimiter implements RequestPacer {
  /** The configured rate; Infinity when pacing is off. */
  readonly requestsPerMinute: number;
  /** How many requests may go at once after a quiet spell. */
  readonly burst: number;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #now: () => number;
  /** Most requests in any sliding second: the per-second share of the rate. */
  readonly #perSecond: number;
  /** Send times of the last second, oldest first, from `#recentStart`. */
  #recent: number[] = [];
  #recentStart = 0;
  #theoreticalArrival = 0;
  #pausedUntil = 0;
  readonly #waits = new CancellableWaits();
  #closed = false;

  /** @param options rate, burst and clock */
  constructor(options: RateLimiterOptions = {}) {
    const rpm = options.requestsPerMinute ?? 300;
    if (!(rpm >= 0))
      throw new RangeError('requestsPerMinute must be 0 (off), a positive number, or Infinity');
    const enabled = rpm > 0 && Number.isFinite(rpm);
    this.requestsPerMinute = enabled ? rpm : Infinity;
    this.burst = enabled
      ? Math.max(1, Math.floor(options.burst ?? Math.min(10, Math.max(1, rpm / 60))))
      : Infinity;
    // Spacing at (rpm - burst + 1)/min keeps any 60 s window at or under rpm even with a burst at
    // its start, so a server counting per minute never sees more than the limit.
    this.#intervalMs = enabled ? 60_000 / Math.max(1, rpm - this.burst + 1) : 0;
    this.#toleranceMs = enabled ? (this.burst - 1) * this.#intervalMs : 0;
    // What GCRA itself allows in one second (its pace plus the burst); a stall never adds to it.
    this.#perSecond = enabled ? Math.max(1, Math.ceil(rpm / 60)) + this.burst - 1 : Infinity;
    this.#now = options.now ?? Date.now;
  }

  /** True when requests are paced (requestsPerMinute finite and positive). */
  get enabled(): boolean {
    return this.#intervalMs > 0;
  }

  /**
   * Resolves when this caller may send one request. Waits in arrival order.
   * @param signal gives up the wait with `AbortError`
   * @throws AbortError when the signal fires or the limiter is closed
   */
  async acquire(signal?: AbortSignalLike): Promise<void> {
    await this.#acquireSlot(signal);
    if (!this.enabled) return;
    for (;;) {
      const now = this.#now();
      const waitMs = this.#sameSecondWait(now);
      if (waitMs <= 0) {
        this.#recent.push(now);
        return;
      }
      await this.#wait(waitMs, signal);
    }
  }

  /**
   * Takes a slot at once when one is free (true), as `acquire` would without waiting; false books
   * nothing, and the caller calls `acquire`.
   */
  tryAcquire(): boolean {
    if (this.#closed) return false;
    const now = this.#now();
    if (this.#pausedUntil > now) return false;
    if (!this.enabled) return true;
    const arrival = Math.max(this.#theoreticalArrival, now);
    if (Math.ceil(arrival - this.#toleranceMs - 1e-6) > now || this.#sameSecondWait(now) > 0) return false;
    this.#theoreticalArrival = arrival + this.#intervalMs;
    this.#recent.push(now);
    return true;
  }

  async #acquireSlot(signal: AbortSignalLike | undefined): Promise<void> {
    for (;;) {
      if (this.#closed) throw new AbortError('the rate limiter was closed');
      if (signal?.aborted) throw new AbortError();
      const now = this.#now();
      const wakeAt = this.#reserve(now);
      if (wakeAt <= now) return;
      await this.#wait(wakeAt - now, signal);
      // A 429 may have paused the client while we slept: then take a new slot after the pause.
      if (this.#pausedUntil <= this.#now()) return;
    }
  }

  /** ms until one more request fits in the sliding second ending now (0: it fits). */
  #sameSecondWait(now: number): number {
    const recent = this.#recent;
    while (this.#recentStart < recent.length && recent[this.#recentStart]! <= now - 1000) this.#recentStart++;
    if (this.#recentStart > 64 && this.#recentStart * 2 > recent.length) {
      this.#recent = recent.slice(this.#recentStart);
      this.#recentStart = 0;
    }
    const inWindow = this.#recent.length - this.#recentStart;
    if (inWindow < this.#perSecond) return 0;
    return this.#recent[this.#recentStart]! + 1000 - now + 1;
  }

  /**
   * Holds every caller of this client until `delayMs` from now (a 429's `Retry-After`), so the whole
   * client backs off, not only the call that was refused.
   * @param delayMs how long to pause
   * @param _reason why (unused here: the in-process limiter has nobody to tell)
   */
  pause(delayMs: number, _reason?: string): void {
    if (!(delayMs > 0)) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#now() + Math.min(delayMs, MAX_TIMER_DELAY_MS));
  }

  /** ms from now until a server's pause ends (0: not paused). */
  pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  /** Rejects every waiting caller with `AbortError` and clears their timers. */
  close(): void {
    this.#closed = true;
    this.#waits.cancelAll(new AbortError('the rate limiter was closed'));
  }

  /** Books the next slot (GCRA) and returns when it starts. */
  #reserve(now: number): number {
    const paused = this.#pausedUntil > now;
    if (!this.enabled) return paused ? this.#pausedUntil : now;
    let arrival = Math.max(this.#theoreticalArrival, now);
    // After a pause, resume at the plain rate with no burst: the server just said "too many".
    if (paused) arrival = Math.max(arrival, this.#pausedUntil + this.#toleranceMs);
    this.#theoreticalArrival = arrival + this.#intervalMs;
    // Rounded up so float drift never lets a slot land a hair inside the previous minute.
    return Math.max(now, Math.ceil(arrival - this.#toleranceMs - 1e-6));
  }

  #wait(ms: number, signal: AbortSignalLike | undefined): Promise<void> {
    return this.#waits.sleep(ms, signal);
  }
}

interface SharedEntry {
  limiter: RateLimiter;
  users: number;
}

const sharedLimiters = new Map<string, SharedEntry>();

/** A use of a shared limiter; `release()` once, when the user closes. */
export interface RateLimiterLease {
  readonly limiter: RateLimiter;
  release(): void;
}

/**
 * The process-wide limiter of one OAuth client, so that every injector using the same client shares
 * one pace. The first user's options set the rate; the limiter is closed when the last user releases.
 * @param apiBaseUrl the REST origin (environment)
 * @param clientId the OAuth client id
 * @param options rate settings, used when this call creates the limiter
 */
export function leaseSharedRateLimiter(
  apiBaseUrl: string,
  clientId: string,
  options: RateLimiterOptions = {},
): RateLimiterLease {
  const key = `${apiBaseUrl}\n${clientId}`;
  let entry = sharedLimiters.get(key);
  if (!entry) {
    entry = { limiter: new RateLimiter(options), users: 0 };
    sharedLimiters.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    limiter: held.limiter,
    release() {
      if (released) return;
      released = true;
      held.users--;
      if (held.users === 0 && sharedLimiters.get(key) === held) {
        sharedLimiters.delete(key);
        held.limiter.close();
      }
    },
  };
}

/**
 * The default `RequestPacerFactory`: the process-wide `RateLimiter` of the client (see
 * `leaseSharedRateLimiter`), one lease per user, released by the pacer's `close()`.
 * @param client environment, OAuth client and rate
 */
export const sharedRateLimiter: RequestPacerFactory = (client: PacedClient): RequestPacer => {
  const lease = leaseSharedRateLimiter(client.apiBaseUrl, client.clientId, {
    requestsPerMinute: client.requestsPerMinute,
    ...(client.requestBurst === undefined ? {} : { burst: client.requestBurst }),
  });
  const limiter = lease.limiter;
  return {
    acquire: (signal) => limiter.acquire(signal),
    tryAcquire: () => limiter.tryAcquire(),
    pause: (durationMs, reason) => limiter.pause(durationMs, reason),
    pausedForMs: () => limiter.pausedForMs(),
    close: () => lease.release(),
  };
};
