/**
 * The seam of client-side pacing: what the REST pipeline asks of a rate limiter. The in-process GCRA
 * `RateLimiter` is one implementation; a store shared by several processes (Redis) is another. The
 * composer picks one per OAuth client through a `RequestPacerFactory`.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';

/** Paces the requests of one OAuth client. */
export interface RequestPacer {
  /**
   * Resolves when the caller may send one request.
   * @param signal gives up the wait with `AbortError`
   * @throws AbortError when the signal fires or the pacer is closed
   */
  acquire(signal?: AbortSignalLike): Promise<void>;
  /**
   * Takes a slot at once when one is free with no wait, and says so; false books nothing (the caller
   * then calls `acquire`). Optional: it spares the common case a promise.
   */
  tryAcquire?(): boolean;
  /**
   * Holds every caller of this client for `durationMs` from now, because the server said so (a 429's
   * `Retry-After`). A store shared by several processes holds them all. A rejection is logged by the
   * caller and never replaces the server's error.
   * @param durationMs how long to hold requests
   * @param reason why, for logs (e.g. `retry-after`)
   */
  pause(durationMs: number, reason: string): void | Promise<void>;
  /**
   * How long from now every caller of this client is held by a server's pause, in ms (0: not
   * paused), so a request whose deadline falls inside the pause fails at once instead of waiting.
   * Optional: a pacer without it only delays the failure to the deadline.
   */
  pausedForMs?(): number;
  /** Releases this user's share; waiting callers reject with `AbortError`. Idempotent. */
  close(): void | Promise<void>;
}

/** The OAuth client a pacer paces, and the rate the injector was configured with. */
export interface PacedClient {
  /** REST origin of the environment, e.g. `https://api.mypurecloud.com`. */
  apiBaseUrl: string;
  clientId: string;
  /** Requests per minute; 0 or Infinity: no pacing. */
  requestsPerMinute: number;
  /** Requests allowed at once after a quiet spell (undefined: one second's worth, at most 10). */
  requestBurst: number | undefined;
}

/**
 * Gives an injector the pacer of its OAuth client. The injector calls `close()` on what it gets when
 * it closes, so a factory that shares one pacer between users hands each a lease.
 */
export type RequestPacerFactory = (client: PacedClient) => RequestPacer;
