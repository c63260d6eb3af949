/**
 * The part of an `AbortSignal` a wait uses: whether it fired, and one-shot `'abort'` listeners. An
 * `AbortSignal` is one; so is an injection's signal, which builds no `AbortSignal` (an event target
 * with two maps, about 1 KB held for as long as the answer streams) unless one is asked for.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  /** Calls `listener` once when the signal fires (never when it had already fired). */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
