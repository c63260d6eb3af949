/** A timer you can cancel with an abort signal; the one place the HTTP layer waits. */
import type { AbortSignalLike } from './abort-signal-like.js';
import { AbortError } from '../errors.js';
import { timerDelay } from './timer-delay.js';

/** Waits `ms`, or rejects with `AbortError` as soon as `signal` fires. */
export type Sleep = (ms: number, signal?: AbortSignalLike) => Promise<void>;

/**
 * Waits `ms` milliseconds. The timer keeps the process alive while someone waits on it (a paced
 * batch must not exit early) and is cleared the moment the signal fires.
 * @param ms how long to wait
 * @param signal cancels the wait with `AbortError`
 */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, timerDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
