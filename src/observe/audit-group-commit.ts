/**
 * Group commit: appends made while a batch is being made durable wait and form the next batch, so
 * many concurrent appends share one write and one sync (or one transaction). Batches run one at a
 * time, in order. Used by every sink.
 */
import { GenesysPromptError } from '../errors.js';

interface Pending<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/**
 * Commits one batch; resolves with one result per item, in order. `flush` is true when the batch was
 * requested by `flush()` (it may be empty).
 */
export type CommitBatch<Item, Result> = (items: Item[], flush: boolean) => Promise<Result[]>;

/** Options of `GroupCommit`. */
export interface GroupCommitOptions {
  /**
   * True (the default for every error) when a failed batch leaves the sink in an unknown state, so
   * the queue must refuse everything after it; false when only that batch failed and the next may
   * be tried (a lock that was not granted in time).
   */
  isFatal?: (error: unknown) => boolean;
}

/**
 * A queue that commits submitted items in batches, one batch at a time. After a fatal failure the
 * queue refuses everything (that failure is the answer to every later submit): a sink whose state is
 * unknown must be reopened, not written to blindly.
 */
export class GroupCommit<Item, Result> {
  readonly #commit: CommitBatch<Item, Result>;
  readonly #isFatal: (error: unknown) => boolean;
  #pending: Array<Pending<Item, Result>> = [];
  #flushWanted = false;
  #running: Promise<void> | undefined;
  #failure: Error | undefined;
  #closed: Error | undefined;

  /** @param commit makes one batch durable */
  constructor(commit: CommitBatch<Item, Result>, options: GroupCommitOptions = {}) {
    this.#commit = commit;
    this.#isFatal = options.isFatal ?? (() => true);
  }

  /** The error that stopped the queue, if a batch failed. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Queues one item; resolves with its result once its batch is committed. */
  submit(item: Item): Promise<Result> {
    const refusal = this.#closed ?? this.#failure;
    if (refusal) return Promise.reject(refusal);
    return new Promise<Result>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#start();
    });
  }

  /** Runs a batch even if no item is queued (to write a checkpoint); resolves when it is done. */
  async flush(): Promise<void> {
    if (this.#closed ?? this.#failure) return;
    this.#flushWanted = true;
    this.#start();
    await this.#running;
  }

  /**
   * Refuses further submits with `refusal`, then waits for queued items to be committed.
   * @param refusal the error later submits reject with
   */
  async close(refusal: GenesysPromptError): Promise<void> {
    this.#closed ??= refusal;
    await this.#running;
  }

  #start(): void {
    // Started on a microtask so items submitted in the same tick share the first batch.
    this.#running ??= Promise.resolve().then(() => this.#drain());
  }

  async #drain(): Promise<void> {
    while ((this.#pending.length > 0 || this.#flushWanted) && !this.#failure) {
      const batch = this.#pending.splice(0);
      const flush = this.#flushWanted;
      this.#flushWanted = false;
      try {
        const results = await this.#commit(
          batch.map((p) => p.item),
          flush,
        );
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (error) {
        if (!this.#isFatal(error)) {
          for (const p of batch) p.reject(error as Error);
          continue;
        }
        this.#failure = error as Error;
        for (const p of [...batch, ...this.#pending.splice(0)]) p.reject(this.#failure);
      }
    }
    this.#running = undefined;
  }
}
