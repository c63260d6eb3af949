/**
 * The chunks of one answer waiting for their single consumer: pushed as they are applied, taken in
 * order by one async iterator, ended once (with the stream's error, thrown to the consumer once).
 */
import type { StreamChunk } from './stream-outcome.js';

/** A single-consumer queue of chunks that ends once. */
export class ChunkQueue implements AsyncIterable<StreamChunk> {
  #items: StreamChunk[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #error: { value: unknown } | undefined;
  readonly #owner: { cancel(): void };

  /** @param owner cancelled when the consumer stops early (breaks out of its loop) */
  constructor(owner: { cancel(): void }) {
    this.#owner = owner;
  }

  /** Adds a chunk and wakes the consumer. Ignored once ended. */
  push(chunk: StreamChunk): void {
    if (this.#ended) return;
    this.#items.push(chunk);
    this.#wakeConsumer();
  }

  /**
   * No more chunks: the consumer takes what is queued, then sees the end (or `error`, once).
   * @param error the stream's error, when it failed
   */
  end(error?: { value: unknown }): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#wakeConsumer();
  }

  /** The one consumer's iterator. */
  [Symbol.asyncIterator](): AsyncIterator<StreamChunk> {
    return {
      next: async (): Promise<IteratorResult<StreamChunk>> => {
        for (;;) {
          const chunk = this.#items.shift();
          if (chunk !== undefined) return { value: chunk, done: false };
          if (this.#ended) {
            const error = this.#error;
            this.#error = undefined;
            if (error !== undefined) throw error.value;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
      },
      return: async (): Promise<IteratorResult<StreamChunk>> => {
        this.#owner.cancel();
        this.#items = [];
        return { value: undefined, done: true };
      },
    };
  }

  #wakeConsumer(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
