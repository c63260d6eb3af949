/**
 * One abort signal per injection that fires when the caller aborts, when the injector closes (it calls
 * `abort()` on each live one — no listener on a shared signal, so thousands of concurrent injections
 * add no listeners to one emitter), or when the injection's deadline passes — and says which, so a
 * deadline becomes a `TimeoutError` and the rest an `AbortError`.
 */
import { AbortError, TimeoutError } from './errors.js';
import { timerDelay } from './timers/timer-delay.js';

/** The signal of one injection and how to release it. */
export interface InjectionSignal {
  readonly signal: AbortSignal;
  /** When the deadline passes, in `Date.now()` ms. */
  readonly deadlineAt: number;
  /** The error to throw when `signal` has fired: TimeoutError for the deadline, else AbortError. */
  reason(): AbortError | TimeoutError;
  /** Fires the signal (the injector is closing). */
  abort(): void;
  /** Clears the deadline timer and detaches from the caller's signal. Idempotent. */
  dispose(): void;
}

/**
 * Links the caller's signal and a deadline into one signal.
 * @param parent the caller's signal, if any
 * @param deadlineMs ms until the injection times out
 */
export function injectionSignal(parent: AbortSignal | undefined, deadlineMs: number): InjectionSignal {
  const controller = new AbortController();
  let timedOut = false;
  const abort = (): void => controller.abort();
  if (parent?.aborted) controller.abort();
  else parent?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timerDelay(deadlineMs));
  timer.unref();
  return {
    signal: controller.signal,
    deadlineAt: Date.now() + deadlineMs,
    reason: () =>
      timedOut
        ? new TimeoutError(`the injection did not finish within its deadline of ${deadlineMs} ms`)
        : new AbortError(),
    abort,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', abort);
    },
  };
}
