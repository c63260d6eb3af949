/**
 * What carries a streamed injection's chunks from its backend to the caller's `for await`: the chunks
 * wait here until the caller asks for them. The injection records its success only once the caller
 * has taken every chunk (`drained`), so a caller who stops reading early — `break`, `return` — always
 * gets the failed audit entry of a stopped stream, however fast the answer came.
 */
import { AbortError } from './errors.js';
import type { InjectionSignal } from './injection-signal.js';
import type { StreamItem } from './injector-options.js';

type ChunkItem = Extract<StreamItem, { type: 'chunk' }>;

/** The chunks of one streamed injection, between its backend and its caller. */
export class ChunkFeed {
  readonly #items: ChunkItem[] = [];
  /** Wakes the caller waiting in `next` (set only while it waits). */
  #wake: (() => void) | undefined;
  #drained: { resolve: () => void; reject: (error: AbortError) => void } | undefined;
  #finished = false;
  #stopped: AbortError | undefined;
  #signal: InjectionSignal | undefined;

  /** The injection's signal, fired when the caller stops reading. */
  attach(signal: InjectionSignal): void {
    this.#signal = signal;
  }

  /** A chunk from the backend. */
  push(item: ChunkItem): void {
    this.#items.push(item);
    this.#wake?.();
  }

  /** The injection ended (its result or error is the caller's next step). */
  finish(): void {
    this.#finished = true;
    this.#wake?.();
  }

  /** The caller's next chunk; undefined once the injection has ended and every chunk was taken. */
  async next(): Promise<ChunkItem | undefined> {
    for (;;) {
      const item = this.#items.shift();
      if (item !== undefined) return item;
      if (this.#finished) return undefined;
      // Every chunk taken and the caller asks for more: the injection may end now.
      this.#drained?.resolve();
      this.#drained = undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }

  /**
   * Resolves once the caller has taken every chunk and asks for the next.
   * @throws AbortError when the caller stopped reading instead
   */
  drained(): Promise<void> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    if (this.#items.length === 0 && this.#wake !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => (this.#drained = { resolve, reject }));
  }

  /** The caller stopped reading before the result: the injection is aborted. */
  stop(): void {
    if (this.#stopped !== undefined || this.#finished) return;
    const error = new AbortError('the caller stopped reading the stream');
    this.#stopped = error;
    this.#drained?.reject(error);
    this.#drained = undefined;
    this.#signal?.abort(error);
  }
}
