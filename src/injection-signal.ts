/**
 * One abort signal per injection that fires when the caller aborts, when the injector closes (it calls
 * `abort()` on each live one — no listener on a shared signal, so thousands of concurrent injections
 * add no listeners to one emitter), or when the injection's deadline passes — and says which, so a
 * deadline becomes a `TimeoutError` and the rest an `AbortError`.
 *
 * It is light: its listeners are a plain list, its deadline a node of the injector's `DeadlineQueue`,
 * and an `AbortSignal` (an event target, about 1 KB while the answer streams) is built only when
 * someone reads `signal` — a backend of the caller's, say. The built-in paths use it as an
 * `AbortSignalLike`.
 */
import { AbortError, TimeoutError } from './errors.js';
import type { AbortSignalLike } from './timers/abort-signal-like.js';
import { DeadlineEntry, type DeadlineQueue } from './timers/deadline-queue.js';
import { timerDelay } from './timers/timer-delay.js';

type Listener = () => void;

/** Live, aborted (caller or close), or timed out. */
const LIVE = 0;
const ABORTED = 1;
const TIMED_OUT = 2;

/** The signal of one injection and how to release it. */
export class InjectionSignal extends DeadlineEntry implements AbortSignalLike {
  /** When the deadline passes, in `Date.now()` ms. */
  readonly deadlineAt: number;
  readonly #deadlineMs: number;
  readonly #queue: DeadlineQueue;
  readonly #parent: AbortSignal | undefined;
  /** Listens on the caller's signal (only when there is one). */
  readonly #onParentAbort: Listener | undefined;
  #state = LIVE;
  /** One listener alone, or several in a list (usually one or two at a time). */
  #listeners: Listener | Listener[] | undefined;
  #controller: AbortController | undefined;
  /** The error `abort(error)` was given. */
  #abortError: AbortError | undefined;

  /**
   * Links the caller's signal and a deadline into one signal.
   * @param parent the caller's signal, if any
   * @param deadlineMs ms until the injection times out
   * @param queue the injector's deadlines
   */
  constructor(parent: AbortSignal | undefined, deadlineMs: number, queue: DeadlineQueue) {
    super();
    this.deadlineAt = Date.now() + deadlineMs;
    this.#deadlineMs = deadlineMs;
    this.#queue = queue;
    if (parent?.aborted) {
      this.#state = ABORTED;
      return;
    }
    if (parent !== undefined) {
      this.#parent = parent;
      this.#onParentAbort = () => this.abort();
      parent.addEventListener('abort', this.#onParentAbort, { once: true });
    }
    // A bad duration (checked and refused by the injector right after) must still make a valid timer.
    queue.add(this, timerDelay(deadlineMs));
  }

  /** True once the signal has fired. */
  get aborted(): boolean {
    return this.#state !== LIVE;
  }

  /** The same signal as an `AbortSignal`, built on first use (for code that needs the real thing). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#state !== LIVE) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  /** The error to throw when the signal has fired: TimeoutError for the deadline, else AbortError. */
  reason(): AbortError | TimeoutError {
    if (this.#state === TIMED_OUT)
      return new TimeoutError(`the injection did not finish within its deadline of ${this.#deadlineMs} ms`);
    return this.#abortError ?? new AbortError();
  }

  /** @inheritdoc */
  addEventListener(_type: 'abort', listener: Listener): void {
    if (this.#state !== LIVE) return;
    const listeners = this.#listeners;
    if (listeners === undefined) this.#listeners = listener;
    else if (typeof listeners === 'function') this.#listeners = [listeners, listener];
    else listeners.push(listener);
  }

  /** @inheritdoc */
  removeEventListener(_type: 'abort', listener: Listener): void {
    const listeners = this.#listeners;
    if (listeners === listener) this.#listeners = undefined;
    else if (Array.isArray(listeners)) {
      const at = listeners.indexOf(listener);
      if (at >= 0) listeners.splice(at, 1);
    }
  }

  /**
   * Fires the signal (the caller aborted or stopped reading, or the injector is closing).
   * @param error what `reason()` returns then (default: a plain `AbortError`)
   */
  abort(error?: AbortError): void {
    if (this.#state === LIVE) this.#abortError = error;
    this.#fire(ABORTED);
  }

  /** @internal the deadline passed */
  onDeadline(): void {
    this.#fire(TIMED_OUT);
  }

  /** Stops the deadline and detaches from the caller's signal. Idempotent. */
  dispose(): void {
    this.#queue.remove(this);
    if (this.#onParentAbort !== undefined) this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  #fire(state: typeof ABORTED | typeof TIMED_OUT): void {
    if (this.#state !== LIVE) return;
    this.#state = state;
    this.dispose();
    const listeners = this.#listeners;
    this.#listeners = undefined;
    this.#controller?.abort();
    if (typeof listeners === 'function') listeners();
    else if (listeners !== undefined) for (const listener of listeners) listener();
  }
}
