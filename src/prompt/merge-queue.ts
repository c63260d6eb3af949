/**
 * The priority queue of the byte-pair merge: pairs of parts keyed by (rank, start), smallest first.
 * One bucket per rank, and a small heap of the ranks that have a bucket. Within a bucket, starts
 * that arrive in increasing order (the usual case: the merge sweeps left to right through a long run)
 * are appended to a queue, so popping them costs O(1); the others go to a per-bucket heap. Every
 * operation is O(log n) at worst and O(1) for runs. Entries are never removed early: the caller
 * checks a popped entry against the current state and skips it when stale.
 */

/** A binary min-heap of numbers. */
class NumberHeap {
  readonly #items: number[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The smallest number, or undefined. */
  peek(): number | undefined {
    return this.#items[0];
  }

  push(value: number): void {
    const items = this.#items;
    let at = items.length;
    items.push(value);
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt] as number;
      if (parent <= value) break;
      items[at] = parent;
      at = parentAt;
    }
    items[at] = value;
  }

  /** Removes and returns the smallest number (the heap must not be empty). */
  pop(): number {
    const items = this.#items;
    const top = items[0] as number;
    const last = items.pop() as number;
    const size = items.length;
    if (size === 0) return top;
    let at = 0;
    for (;;) {
      let childAt = 2 * at + 1;
      if (childAt >= size) break;
      if (childAt + 1 < size && (items[childAt + 1] as number) < (items[childAt] as number)) childAt++;
      const child = items[childAt] as number;
      if (child >= last) break;
      items[at] = child;
      at = childAt;
    }
    items[at] = last;
    return top;
  }
}

/** The starts waiting at one rank. */
class RankBucket {
  /** Starts in increasing order, from `head` to `tail`. */
  run = new Int32Array(16);
  head = 0;
  tail = 0;
  /** Starts that arrived out of order (made on the first one). */
  others: NumberHeap | undefined;
  /** Whether the rank is in the queue's heap of ranks. */
  listed = false;

  push(start: number): void {
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (start <= (this.run[this.tail - 1] as number)) {
      (this.others ??= new NumberHeap()).push(start);
      return;
    }
    if (this.tail === this.run.length) {
      const grown = new Int32Array(this.run.length * 2);
      grown.set(this.run.subarray(this.head, this.tail));
      this.tail -= this.head;
      this.head = 0;
      this.run = grown;
    }
    this.run[this.tail++] = start;
  }

  /** Removes and returns the smallest start, or -1 when empty. */
  pop(): number {
    const fromRun = this.head < this.tail ? (this.run[this.head] as number) : Infinity;
    const others = this.others;
    if (others !== undefined && others.size > 0 && (others.peek() as number) < fromRun) return others.pop();
    if (fromRun === Infinity) return -1;
    this.head++;
    return fromRun;
  }

  /** Empties the bucket; a run grown large by a hostile piece is let go. */
  clear(): void {
    this.head = 0;
    this.tail = 0;
    this.others = undefined;
    this.listed = false;
    if (this.run.length > 4096) this.run = new Int32Array(16);
  }
}

/**
 * Pairs keyed by (rank, start); `pop` returns the smallest start of the smallest rank. One bucket per
 * rank, found by index; a heap of the ranks that have a bucket with starts.
 */
export class MergeQueue {
  readonly #buckets: (RankBucket | undefined)[];
  readonly #ranks = new NumberHeap();
  /** Ranks touched since the last reset. */
  readonly #touched: number[] = [];
  /** The rank of the pair `pop` returned last. */
  rank = Infinity;

  /** @param rankCount ranks run from 0 to rankCount - 1 */
  constructor(rankCount: number) {
    this.#buckets = new Array<RankBucket | undefined>(rankCount).fill(undefined);
  }

  /** Empties the queue for the next piece. */
  reset(): void {
    for (const rank of this.#touched) this.#buckets[rank]?.clear();
    this.#touched.length = 0;
    while (this.#ranks.size > 0) this.#ranks.pop();
    this.rank = Infinity;
  }

  /** Queues the pair that starts at `start` with `rank`. */
  push(rank: number, start: number): void {
    let bucket = this.#buckets[rank];
    if (bucket === undefined) {
      bucket = new RankBucket();
      this.#buckets[rank] = bucket;
    }
    bucket.push(start);
    if (!bucket.listed) {
      bucket.listed = true;
      this.#touched.push(rank);
      this.#ranks.push(rank);
    }
  }

  /** Removes the smallest pair and returns its start (its rank is then `rank`), or -1 when empty. */
  pop(): number {
    for (let rank = this.#ranks.peek(); rank !== undefined; rank = this.#ranks.peek()) {
      const bucket = this.#buckets[rank] as RankBucket;
      const start = bucket.pop();
      if (start >= 0) {
        this.rank = rank;
        return start;
      }
      bucket.listed = false;
      this.#ranks.pop();
    }
    return -1;
  }
}
