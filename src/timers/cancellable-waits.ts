/**
 * Sleeps that one call can cancel all at once (a pacer closing rejects everyone waiting for a slot),
 * each also cancelled by its caller's signal, with no listener left behind on either.
 */
import type { AbortSignalLike } from './abort-signal-like.js';
import { AbortError } from '../errors.js';
import { timerDelay } from './timer-delay.js';

interface Sleeper {
  timer: NodeJS.Timeout;
  reject: (error: Error) => void;
}

/** A set of sleeping callers. */
export class CancellableWaits {
  readonly #sleepers = new Set<Sleeper>();

  /**
   * Waits `ms`, or rejects with `AbortError` when `signal` fires or `cancelAll` is called.
   * @param ms how long (clamped to 0..Node's timer maximum)
   * @param signal the caller's signal
   */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new AbortError());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(sleeper.timer);
        this.#sleepers.delete(sleeper);
        reject(new AbortError());
      };
      const sleeper: Sleeper = {
        timer: setTimeout(() => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, timerDelay(ms)),
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Rejects every sleeper with `error` and clears its timer. */
  cancelAll(error: Error): void {
    for (const sleeper of this.#sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.reject(error);
    }
    this.#sleepers.clear();
  }
}
