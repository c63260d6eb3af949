/**
 * Capped full-jitter exponential backoff for socket reconnects (the shape of the retry backoff in docs/protocol.md).
 */

/** Backoff settings; small values in tests. */
export interface ReconnectBackoffOptions {
  /** Delay scale of the first retry in ms (default 1000). */
  baseMs?: number;
  /** Cap in ms (default 30 000). */
  maxMs?: number;
  /** Source of randomness in [0, 1) (default `Math.random`); seeded in tests. */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): uniform in `[0, min(base x 2^attempt, max)]`.
 * @param attempt how many attempts already failed
 * @param options base, cap and randomness
 */
export function reconnectDelayMs(attempt: number, options: ReconnectBackoffOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(base * 2 ** Math.min(attempt, 30), max);
  return Math.floor(random() * ceiling);
}
