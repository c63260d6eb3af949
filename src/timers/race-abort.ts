/** Waiting on a shared promise (a login, a start-up) without letting one caller's abort cancel it. */
import type { AbortSignalLike } from './abort-signal-like.js';
import { AbortError } from '../errors.js';

/**
 * Waits for `promise`, or rejects with `AbortError` as soon as `signal` fires (at once when it
 * already has). The promise itself goes on for its other waiters.
 * @param promise what to wait for
 * @param signal gives up the wait
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignalLike | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // Nobody else may be waiting: its failure must not become an unhandled rejection.
    promise.catch(() => undefined);
    return Promise.reject(new AbortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}
