/**
 * One conversation's answer, assembled from chunks that may arrive late, twice, or not at all, and from
 * conversation reads that fill the gaps (docs/protocol.md, "Nothing lost, nothing doubled"). What it
 * holds is bounded: the answer text (chunks held across a gap included) and the number of held chunks.
 */
import { LimitExceededError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS, LIMIT_OPTION } from '../limits.js';
import type { TokenCounter } from '../prompt/token-counter.js';

export type { TokenCounter } from '../prompt/token-counter.js';

/** A piece of text appended to the answer, in order. */
export interface AppliedChunk {
  /** The last server sequence this piece covers. */
  sequence: number;
  content: string;
}

/** Options of a `ResponseAccumulator`. */
export interface ResponseAccumulatorOptions {
  /** Stop once the answer's tokens reach this many (default: no budget). */
  budgetTokens?: number;
  /** Required with a budget; counted per applied piece, never over the whole text again. */
  countTokens?: TokenCounter;
  /** Longest answer in characters, held chunks included (default `limits.maxAnswerChars`, 8 Mi). */
  maxChars?: number;
  /** Most chunks held beyond a gap (default `limits.maxPendingChunks`, 1 000). */
  maxPendingChunks?: number;
}

/**
 * Applies chunk `n` only right after chunk `n - 1`; keeps later ones until the gap is filled by a late
 * arrival or by `reconcile`; drops (and counts) anything at or below what it already has.
 */
export class ResponseAccumulator {
  #parts: string[] = [];
  /** Characters in `#parts`. */
  #length = 0;
  /** Characters in `#pending`. */
  #pendingChars = 0;
  #sequence = 0;
  #tokens = 0;
  #duplicates = 0;
  #budgetReached = false;
  /** Chunks held beyond a gap; created with the first one (most answers never have a gap). */
  #pending: Map<number, string> | undefined;
  readonly #budget: number;
  readonly #countTokens: TokenCounter | undefined;
  readonly #maxChars: number;
  readonly #maxPending: number;

  /** @param options budget, token counter and size limits */
  constructor(options: ResponseAccumulatorOptions = {}) {
    this.#budget = options.budgetTokens ?? Number.POSITIVE_INFINITY;
    this.#countTokens = options.countTokens;
    this.#maxChars = options.maxChars ?? DEFAULT_RESPONSE_LIMITS.maxAnswerChars;
    this.#maxPending = options.maxPendingChunks ?? DEFAULT_RESPONSE_LIMITS.maxPendingChunks;
    if (Number.isFinite(this.#budget) && this.#countTokens === undefined) {
      throw new TypeError('ResponseAccumulator: a budget needs a countTokens function');
    }
  }

  /** The text so far. */
  get text(): string {
    if (this.#parts.length > 1) this.#parts = [this.#parts.join('')];
    return this.#parts[0] ?? '';
  }
  /** The last sequence included in `text`. */
  get sequence(): number {
    return this.#sequence;
  }
  /** Tokens counted so far (0 without a counter). */
  get tokens(): number {
    return this.#tokens;
  }
  /** Chunks dropped because their sequence was already applied. */
  get duplicates(): number {
    return this.#duplicates;
  }
  /** True once the budget is reached; nothing more is applied after that. */
  get budgetReached(): boolean {
    return this.#budgetReached;
  }
  /** True while chunks beyond a gap wait for it to be filled. */
  get hasGap(): boolean {
    return this.#pending !== undefined && this.#pending.size > 0;
  }

  /**
   * Applies one chunk event.
   * @returns the pieces appended, in order (empty for a duplicate or a chunk beyond a gap)
   * @throws LimitExceededError when the answer or the chunks held beyond a gap grow past their limits
   */
  applyChunk(sequence: number, content: string): AppliedChunk[] {
    if (this.#budgetReached) return [];
    if (sequence <= this.#sequence || this.#pending?.has(sequence) === true) {
      this.#duplicates += 1;
      return [];
    }
    if (sequence > this.#sequence + 1) {
      const pending = (this.#pending ??= new Map());
      if (pending.size >= this.#maxPending) {
        throw new LimitExceededError(
          `chunks held after a gap in sequence (waiting for ${this.#sequence + 1})`,
          LIMIT_OPTION.maxPendingChunks,
          this.#maxPending,
          'chunks',
        );
      }
      this.#checkLength(this.#length + this.#pendingChars + content.length);
      pending.set(sequence, content);
      this.#pendingChars += content.length;
      return [];
    }
    const applied: AppliedChunk[] = [{ sequence, content }];
    this.#append(sequence, content);
    this.#drain(applied);
    return applied;
  }

  /**
   * Appends chunk `sequence` when it is the next one and no chunk is held beyond a gap — nearly every
   * chunk — without the array `applyChunk` returns; the caller then has `(sequence, content)` as the
   * one piece applied. False, with nothing changed, otherwise: then `applyChunk` takes it.
   * @throws LimitExceededError when the answer would exceed its limit
   */
  appendNext(sequence: number, content: string): boolean {
    if (this.#budgetReached || sequence !== this.#sequence + 1 || (this.#pending?.size ?? 0) > 0)
      return false;
    this.#append(sequence, content);
    return true;
  }

  /**
   * Takes a conversation read (4.4): its text is authoritative for sequences `1..sequence`, so it is
   * used only when it is ahead of what this holds; then buffered chunks above it are applied.
   * @returns the pieces appended, in order (one piece for what the read added)
   * @throws LimitExceededError when the read's text is longer than the answer limit
   */
  reconcile(read: { text: string; sequence: number }): AppliedChunk[] {
    if (this.#budgetReached || read.sequence <= this.#sequence) return [];
    this.#checkLength(read.text.length);
    const current = this.text;
    // The read's text extends ours, since both are the server's text up to their sequence.
    const added = read.text.startsWith(current) ? read.text.slice(current.length) : read.text;
    if (!read.text.startsWith(current)) {
      this.#parts = [];
      this.#length = 0;
      this.#tokens = 0;
    }
    for (const [seq, held] of this.#pending ?? []) {
      if (seq <= read.sequence) {
        this.#pending?.delete(seq);
        this.#pendingChars -= held.length;
        this.#duplicates += 1;
      }
    }
    const applied: AppliedChunk[] = [{ sequence: read.sequence, content: added }];
    this.#append(read.sequence, added);
    this.#drain(applied);
    return applied;
  }

  #checkLength(chars: number): void {
    if (chars > this.#maxChars) {
      throw new LimitExceededError(
        'the answer text',
        LIMIT_OPTION.maxAnswerChars,
        this.#maxChars,
        'characters',
      );
    }
  }

  #append(sequence: number, content: string): void {
    this.#checkLength(this.#length + this.#pendingChars + content.length);
    this.#parts.push(content);
    this.#length += content.length;
    this.#sequence = sequence;
    if (this.#countTokens !== undefined && content !== '') this.#tokens += this.#countTokens(content);
    if (this.#tokens >= this.#budget) {
      this.#budgetReached = true;
      this.#pending?.clear();
      this.#pendingChars = 0;
    }
  }

  #drain(applied: AppliedChunk[]): void {
    for (;;) {
      if (this.#budgetReached) return;
      const next = this.#pending?.get(this.#sequence + 1);
      if (next === undefined) return;
      this.#pending?.delete(this.#sequence + 1);
      this.#pendingChars -= next.length;
      applied.push({ sequence: this.#sequence + 1, content: next });
      this.#append(this.#sequence + 1, next);
    }
  }
}
