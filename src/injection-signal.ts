/**
 * One abort signal per injection that fires when the caller aborts, when the injector closes, or when
 * the injection's deadline passes — and says which, so a deadline becomes a `TimeoutError` and the
 * rest an `AbortError`.
 */
import { AbortError, TimeoutError } from './errors.js';

/** The signal of one injection and how to release it. */
export interface InjectionSignal {
  readonly signal: AbortSignal;
  /** The error to throw when `signal` has fired: TimeoutError for the deadline, else AbortError. */
  reason(): AbortError | TimeoutError;
  /** Clears the deadline timer and detaches from the parent signals. Idempotent. */
  dispose(): void;
}

/**
 * Links `parents` and a deadline into one signal.
 * @param parents the caller's signal and the injector's closing signal
 * @param deadlineMs ms until the injection times out
 */
export function injectionSignal(
  parents: Array<AbortSignal | undefined>,
  deadlineMs: number,
): InjectionSignal {
  const controller = new AbortController();
  let timedOut = false;
  const abort = (): void => controller.abort();
  const attached = parents.filter((s): s is AbortSignal => s !== undefined);
  for (const parent of attached) {
    if (parent.aborted) controller.abort();
    else parent.addEventListener('abort', abort, { once: true });
  }
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, deadlineMs);
  timer.unref();
  return {
    signal: controller.signal,
    reason: () =>
      timedOut
        ? new TimeoutError(`the injection did not finish within its deadline of ${deadlineMs} ms`)
        : new AbortError(),
    dispose: () => {
      clearTimeout(timer);
      for (const parent of attached) parent.removeEventListener('abort', abort);
    },
  };
}
