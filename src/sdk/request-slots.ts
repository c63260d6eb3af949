/**
 * At most as many requests on the wire as the keep-alive pool has connections; the others wait here.
 * The agent would queue them too, but only after the SDK and the HTTP client have built each one —
 * its headers, body text, `ClientRequest`, timer and promises, several KB a request — which a thousand
 * injections waiting for 64 connections would all hold (and the garbage collector copy) for as long
 * as they wait. A waiter here holds one small record.
 */
import { AbortError } from '../errors.js';
import type { AbortSignalLike } from '../timers/abort-signal-like.js';

/** One caller waiting for a slot. */
interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  signal: AbortSignalLike | undefined;
  onAbort: (() => void) | undefined;
  /** Gave up (aborted) while queued: skipped when its turn comes. */
  gone: boolean;
}

/** Request slots of one HTTP client, handed out first come, first served. */
export class RequestSlots {
  /** Slots in all (Infinity: no limit). */
  readonly size: number;
  #free: number;
  /** Waiters in arrival order from `#head`; an aborted one stays, marked `gone`, until its turn. */
  #queue: Array<Waiter | undefined> = [];
  #head = 0;
  #waiting = 0;

  /** @param size slots in all; Infinity for no limit */
  constructor(size: number) {
    if (!(size >= 1)) throw new RangeError(`RequestSlots: size must be at least 1 (got ${size})`);
    this.size = size;
    this.#free = size;
  }

  /** Callers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Takes a slot when one is free (no promise); false takes nothing. */
  tryTake(): boolean {
    // A free slot means nobody waits: `give` hands a returned slot to a waiter first.
    if (this.#free === 0) return false;
    this.#free -= 1;
    return true;
  }

  /**
   * Resolves once the caller holds a slot, which it returns with `give()`.
   * @param signal gives up the wait with `AbortError` (no slot is then held)
   */
  take(signal?: AbortSignalLike): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(new AbortError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, gone: false };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          waiter.gone = true;
          this.#waiting -= 1;
          reject(new AbortError());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#waiting += 1;
    });
  }

  /** Returns a slot: the first caller still waiting gets it, or it becomes free. */
  give(): void {
    for (;;) {
      const waiter = this.#shift();
      if (waiter === undefined) break;
      if (waiter.gone) continue;
      this.#waiting -= 1;
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      return;
    }
    this.#free = Math.min(this.size, this.#free + 1);
  }

  /**
   * Fails every caller still waiting (the client is closing); slots taken stay taken until given.
   * @param error what each waiting `take` rejects with
   */
  rejectWaiting(error: Error): void {
    for (;;) {
      const waiter = this.#shift();
      if (waiter === undefined) return;
      if (waiter.gone) continue;
      waiter.gone = true;
      this.#waiting -= 1;
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.reject(error);
    }
  }

  #shift(): Waiter | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const waiter = this.#queue[this.#head];
    this.#queue[this.#head] = undefined;
    this.#head += 1;
    // Drop the taken front now and then, so a queue that never drains does not grow without end.
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return waiter;
  }
}
