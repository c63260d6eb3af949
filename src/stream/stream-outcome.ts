/**
 * What one streamed answer yields: its chunks as they arrive, then one outcome.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import type { FinishReason, Usage } from '../contract/conversation.js';
import type { TokenCounter } from './response-accumulator.js';

/** A piece of the answer, in order; concatenated, the pieces are exactly the outcome's `text`. */
export interface StreamChunk {
  /** The last server sequence this piece covers (a reconciliation read may cover several). */
  sequence: number;
  content: string;
}

/** Why the answer ended: the server's reason, or `budget` when the client's token budget cut it. */
export type StreamFinishReason = FinishReason | 'budget';

/** The end of one streamed answer. */
export interface StreamOutcome {
  conversationId: string;
  /** Exactly the server's text, or a prefix of it ending at a chunk boundary when `truncated`. */
  text: string;
  finishReason: StreamFinishReason;
  /** True when the client's token budget stopped the stream (`finishReason: 'budget'`). */
  truncated: boolean;
  /** The server's usage; on a budget cut-off `completionTokens` is the client's count and `promptTokens` 0. */
  usage: Usage;
  safetyPolicyTriggered: boolean;
  /** Frames that could not be parsed while this stream was live on its socket (skipped). */
  malformedFrames: number;
  /** Chunks dropped because their sequence was already applied. */
  duplicates: number;
  /** Socket drops this stream lived through (each followed by a reconnect). */
  reconnects: number;
  /** Conversation reads made to reconcile this stream. */
  reads: number;
  /** ms from `open` to the first text (undefined when the answer was empty). */
  timeToFirstChunkMs: number | undefined;
  /** ms from the first text to the end (0 without text). */
  streamDurationMs: number;
}

/** Options of `open` (one streamed answer). */
export interface OpenStreamOptions {
  /** Stop once the answer reaches this many tokens (default: no budget). Needs `countTokens`. */
  budgetTokens?: number;
  /** Token counter applied per chunk (the injector passes the BPE counter). */
  countTokens?: TokenCounter;
  /** Aborting ends the stream: `result` rejects with `AbortError` and the subscription is dropped. */
  signal?: AbortSignalLike;
  /** When the injection's deadline passes (`Date.now()` ms); conversation reads do not wait past it. */
  deadlineAt?: number;
  /** Queue chunks for `chunks` (default true); `false` when only `result` is wanted, to save memory. */
  collectChunks?: boolean;
  /** Called with each piece of the answer as it is applied, in order (whether or not `chunks` queues it). */
  onChunk?: (sequence: number, content: string) => void;
}

/** One streamed answer: iterate `chunks` for the text as it arrives, or just await `result`. */
export interface ConversationStreamHandle {
  readonly conversationId: string;
  /**
   * The answer's pieces in order. Single consumer. Ends when the answer ends; throws the stream's
   * error; breaking out of the loop cancels the stream (then `result` rejects with `AbortError`).
   */
  readonly chunks: AsyncIterable<StreamChunk>;
  /** Resolves with the outcome; rejects with `StreamError`, `AbortError` or the read's `ApiError`. */
  readonly result: Promise<StreamOutcome>;
  /** Stops the stream and drops its subscription; `result` rejects with `AbortError`. Idempotent. */
  cancel(): void;
}
