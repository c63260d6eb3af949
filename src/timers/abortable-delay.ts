/**
 * A timer that a signal can cut short, so `close()` never waits out a reconnect backoff.
 */
import type { AbortSignalLike } from './abort-signal-like.js';
import { timerDelay } from './timer-delay.js';

/**
 * Resolves after `ms`, or at once (without error) when `signal` aborts.
 * @param ms delay
 * @param signal cuts the delay short
 */
export function abortableDelay(ms: number, signal: AbortSignalLike): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, timerDelay(ms));
    signal.addEventListener('abort', done, { once: true });
  });
}
