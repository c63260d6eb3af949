/**
 * The state of one streamed answer, fed by a transport: events from the socket, "subscription active"
 * and "socket dropped" signals, and conversation reads it asks for itself. It decides when a read is
 * needed (docs/protocol.md, "Nothing lost, nothing doubled"):
 *
 * - After the subscription is active the read is skipped when the first chunk received is sequence 1
 *   (nothing was missed). Otherwise — first chunk above 1, or no event within `idleReadMs` (the
 *   conversation may have finished before the subscription was active) — it reads once.
 * - After a drop it reads as soon as the subscription is active again.
 * - A gap in sequences, or a malformed frame that may have hidden this stream's last chunk or its
 *   `aiResponseComplete`, leads to a read after `idleReadMs` of quiet, or at once on completion.
 * - A read showing `completed` ends the stream from the read alone.
 *
 * Its state is three small values, each with its own transitions: where the subscription stands
 * (`Link`), how far the text can be trusted without a read (`Trust`), and whether a read is running
 * (`Reading`).
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import type { Conversation } from '../contract/conversation.js';
import type { AiResponseComplete, AiStreamEvent } from '../contract/stream-events.js';
import { AbortError, StreamError } from '../errors.js';
import type { ResponseLimits } from '../limits.js';
import { ChunkQueue } from './chunk-queue.js';
import { ResponseAccumulator, type AppliedChunk } from './response-accumulator.js';
import type {
  ConversationStreamHandle,
  OpenStreamOptions,
  StreamChunk,
  StreamFinishReason,
  StreamOutcome,
} from './stream-outcome.js';

/** How a transport plugs into a `ConversationStream`. */
export interface ConversationStreamHooks {
  /**
   * Reads the conversation (4.4); without it gaps cannot be recovered (`handleStreamEvents`). Given
   * the stream, so one hooks object can serve every stream of a transport.
   */
  readConversation?: (signal: AbortSignal, stream: ConversationStream) => Promise<Conversation>;
  /** Called once when the stream ends on any path, so the transport drops the subscription. */
  onSettled?: (stream: ConversationStream) => void;
  /** Quiet time in ms before a doubtful stream reads the conversation (default 1000). */
  idleReadMs?: number;
  /** Answer size limits (default `DEFAULT_RESPONSE_LIMITS`); past them the stream fails with `LimitExceededError`. */
  limits?: Pick<ResponseLimits, 'maxAnswerChars' | 'maxPendingChunks'>;
}

type Completion = AiResponseComplete['data'];

/**
 * Where the subscription stands. `subscribing` → `active` (`markActive`); a drop, or a sign of loss
 * before the subscription is active, → `owes-read`, which reads as soon as it is `active` again;
 * any → `settled` (the end).
 */
type Link = 'subscribing' | 'active' | 'owes-read' | 'settled';

/**
 * How far the text received can be trusted without a read. `unverified` until chunk 1 arrives first
 * or a read made while the subscription was active agrees; `suspect` when a malformed frame (which
 * may have been ours) came after that, until an in-order chunk or such a read clears it; a drop makes
 * it `unverified` again.
 */
type Trust = 'unverified' | 'verified' | 'suspect';

/** A conversation read: none running, one running, or one running with another asked for after it. */
type Reading = 'idle' | 'reading' | 'reading-again';

/**
 * The reason a read in flight is aborted with when its stream fails: one shared object, so ending a
 * stream builds no error (a `DOMException` with a stack) of its own. A stream that succeeds aborts
 * nothing: a read still in flight then finishes and is ignored.
 */
const STREAM_ENDED = new AbortError('the stream ended before the read answered');

/** Marks a rejection handled. */
const ignore = (): void => undefined;

/** One answer being streamed; the handle the caller gets, and the sink its transport feeds. */
export class ConversationStream implements ConversationStreamHandle {
  readonly conversationId: string;
  /** The conversation's assistant ('' when the transport did not say), for the hooks. */
  readonly assistantId: string;
  /** When the injection's deadline passes (`Date.now()` ms), for the hooks' reads. */
  readonly deadlineAt: number | undefined;
  readonly result: Promise<StreamOutcome>;

  readonly #accumulator: ResponseAccumulator;
  readonly #hooks: ConversationStreamHooks;
  readonly #collect: boolean;
  readonly #chunkListener: ((sequence: number, content: string) => void) | undefined;
  readonly #idleReadMs: number;
  readonly #startedAt = performance.now();
  readonly #signal: AbortSignalLike | undefined;
  /** Created with the first read. */
  #readAbort: AbortController | undefined;
  /** Created at once when chunks are collected, else on first use of `chunks`. */
  #queue: ChunkQueue | undefined;
  /** How the stream ended, for a queue created after that. */
  #ending: { value: unknown } | undefined;
  #resolve!: (outcome: StreamOutcome) => void;
  #reject!: (error: unknown) => void;

  #link: Link = 'subscribing';
  #trust: Trust = 'unverified';
  #reading: Reading = 'idle';
  /** Counts activations, so a read knows whether the subscription it started under still holds. */
  #activeEpoch = 0;
  #completion: Completion | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #firstChunkAt: number | undefined;
  #malformed = 0;
  #reconnects = 0;
  #reads = 0;

  /**
   * @param conversationId the conversation whose answer this is
   * @param options budget, counter, signal, chunk collection
   * @param hooks how to read the conversation and what to do when settled
   * @param assistantId the conversation's assistant, for the hooks
   */
  constructor(
    conversationId: string,
    options: OpenStreamOptions = {},
    hooks: ConversationStreamHooks = {},
    assistantId = '',
  ) {
    this.conversationId = conversationId;
    this.assistantId = assistantId;
    this.deadlineAt = options.deadlineAt;
    this.#accumulator = new ResponseAccumulator({
      budgetTokens: options.budgetTokens,
      countTokens: options.countTokens,
      ...(hooks.limits?.maxAnswerChars === undefined ? {} : { maxChars: hooks.limits.maxAnswerChars }),
      ...(hooks.limits?.maxPendingChunks === undefined
        ? {}
        : { maxPendingChunks: hooks.limits.maxPendingChunks }),
    });
    this.#hooks = hooks;
    this.#collect = options.collectChunks ?? true;
    this.#chunkListener = options.onChunk;
    this.#idleReadMs = hooks.idleReadMs ?? 1000;
    this.result = new Promise<StreamOutcome>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    if (this.#collect) this.#queue = new ChunkQueue(this);
    this.#signal = options.signal;
    if (options.signal?.aborted) {
      queueMicrotask(() => this.#fail(new AbortError()));
    } else {
      options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  /** @inheritdoc */
  get chunks(): AsyncIterable<StreamChunk> {
    if (this.#queue === undefined) {
      this.#queue = new ChunkQueue(this);
      if (this.#link === 'settled') this.#queue.end(this.#ending);
    }
    return this.#queue;
  }

  /** Stops the stream; `result` rejects with `AbortError`. Nothing happens once it has ended. */
  cancel(): void {
    if (this.#link === 'settled') return;
    this.#fail(new AbortError('the stream was cancelled by its consumer'));
  }

  /** The transport's subscription is active (first time, or again after a drop). */
  markActive(): void {
    if (this.#link === 'settled') return;
    const owed = this.#link === 'owes-read';
    this.#link = 'active';
    this.#activeEpoch += 1;
    if (owed) this.#requestRead();
    else this.#armIdleRead();
  }

  /** The socket carrying this stream dropped; a read follows the next `markActive`. */
  markDropped(): void {
    if (this.#link === 'settled') return;
    this.#link = 'owes-read';
    this.#trust = 'unverified';
    this.#reconnects += 1;
    this.#clearIdleRead();
  }

  /** A frame on this stream's socket could not be parsed; it may have been one of ours. */
  noteMalformed(): void {
    if (this.#link === 'settled') return;
    this.#malformed += 1;
    if (this.#trust === 'verified') this.#trust = 'suspect';
    this.#armIdleRead();
  }

  /** Feeds one AI response event of this conversation. */
  handleEvent(event: AiStreamEvent): void {
    if (this.#link === 'settled') return;
    if (event.type === 'aiResponseChunk') {
      // Past a size limit the accumulator throws: this stream fails, the socket and its others go on.
      try {
        this.#onChunk(event.data.sequence, event.data.content);
      } catch (error) {
        this.#fail(error);
      }
    } else if (event.type === 'aiResponseComplete') this.#onComplete(event.data);
    else {
      this.#fail(
        new StreamError(`the AI response failed: ${event.data.message}`, {
          code: event.data.code,
          conversationId: this.conversationId,
        }),
      );
    }
  }

  /** Ends the stream with an error from the transport (e.g. it could not subscribe). */
  fail(error: unknown): void {
    this.#fail(error);
  }

  #onChunk(sequence: number, content: string): void {
    const acc = this.#accumulator;
    // Chunk 1 as the very first: nothing was missed before the subscription.
    if (acc.sequence === 0 && !acc.hasGap && sequence === 1) this.#trust = 'verified';
    const contiguous = sequence === acc.sequence + 1;
    if (acc.appendNext(sequence, content)) this.#emitPiece(sequence, content);
    else this.#emit(acc.applyChunk(sequence, content));
    if (acc.budgetReached) {
      this.#finish('budget');
      return;
    }
    // An in-order chunk after a malformed frame proves that frame was not one of ours before it.
    if (contiguous && !acc.hasGap && this.#trust === 'suspect') this.#trust = 'verified';
    const unverified = this.#trust === 'unverified';
    if (unverified && this.#link === 'active' && acc.sequence === 0 && acc.hasGap) this.#requestRead();
    else if (unverified && this.#link === 'subscribing' && acc.hasGap) this.#link = 'owes-read';
    else this.#armIdleRead();
    if (this.#completion !== undefined && !acc.hasGap) this.#finishFromCompletion();
  }

  #onComplete(data: Completion): void {
    this.#completion = data;
    if (this.#doubtful()) {
      if (this.#hooks.readConversation === undefined) {
        this.#fail(
          new StreamError('the stream completed with chunks missing and no way to read the conversation', {
            code: 'stream.incomplete',
            conversationId: this.conversationId,
          }),
        );
      } else if (this.#link === 'active') this.#requestRead();
      else this.#link = 'owes-read';
      return;
    }
    this.#finishFromCompletion();
  }

  #doubtful(): boolean {
    return this.#trust !== 'verified' || this.#accumulator.hasGap;
  }

  #finishFromCompletion(): void {
    const data = this.#completion;
    if (data === undefined) return;
    this.#finish(data.finishReason, data.usage, data.safetyPolicyTriggered);
  }

  #armIdleRead(): void {
    if (this.#link !== 'active' || !this.#doubtful() || this.#hooks.readConversation === undefined) {
      this.#clearIdleRead();
      return;
    }
    // One timer per stream, restarted on each event: a new one per chunk would cost a timer object
    // and a timer-list insertion for every chunk of every answer.
    if (this.#idleTimer === undefined)
      this.#idleTimer = setTimeout(() => this.#requestRead(), this.#idleReadMs);
    else this.#idleTimer.refresh();
  }

  #clearIdleRead(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #requestRead(): void {
    const read = this.#hooks.readConversation;
    if (this.#link === 'settled' || read === undefined) return;
    this.#clearIdleRead();
    if (this.#reading !== 'idle') {
      this.#reading = 'reading-again';
      return;
    }
    this.#reading = 'reading';
    this.#reads += 1;
    const epoch = this.#activeEpoch;
    const afterActive = this.#link === 'active';
    const malformedBefore = this.#malformed;
    this.#readAbort ??= new AbortController();
    read(this.#readAbort.signal, this)
      .then((conversation) => {
        const current = afterActive && this.#link === 'active' && epoch === this.#activeEpoch;
        this.#onRead(conversation, current, malformedBefore === this.#malformed);
      })
      .catch((error: unknown) => this.#fail(error))
      .finally(() => {
        const again = this.#reading === 'reading-again';
        this.#reading = 'idle';
        if (again) this.#requestRead();
      });
  }

  #onRead(conversation: Conversation, current: boolean, noNewMalformed: boolean): void {
    if (this.#link === 'settled') return;
    const acc = this.#accumulator;
    this.#emit(acc.reconcile(conversation.response));
    if (acc.budgetReached) {
      this.#finish('budget');
      return;
    }
    // A read made under the subscription that still holds covers everything before it.
    if (current) this.#trust = noNewMalformed ? 'verified' : 'suspect';
    if (conversation.status === 'failed') {
      this.#fail(
        new StreamError('the conversation failed on the server', {
          code: 'conversation.failed',
          conversationId: this.conversationId,
        }),
      );
    } else if (conversation.status === 'completed' && acc.sequence >= conversation.response.sequence) {
      this.#completion ??= {
        conversationId: this.conversationId,
        finishReason: conversation.response.finishReason ?? 'stop',
        usage: conversation.usage,
        safetyPolicyTriggered: conversation.safetyPolicyTriggered,
      };
      this.#finishFromCompletion();
    } else if (this.#completion !== undefined && !acc.hasGap) {
      this.#finishFromCompletion();
    } else if (!current && this.#link !== 'active') {
      this.#link = 'owes-read';
    } else {
      // Not current but active again: the activation after the drop asked for its own read.
      this.#armIdleRead();
    }
  }

  #emit(applied: AppliedChunk[]): void {
    for (const piece of applied) this.#emitPiece(piece.sequence, piece.content);
  }

  #emitPiece(sequence: number, content: string): void {
    if (content === '') return;
    this.#firstChunkAt ??= performance.now();
    this.#chunkListener?.(sequence, content);
    if (this.#collect) this.#queue?.push({ sequence, content });
  }

  #finish(reason: StreamFinishReason, usage?: Completion['usage'], safety = false): void {
    if (this.#link === 'settled') return;
    const acc = this.#accumulator;
    const end = performance.now();
    const outcome: StreamOutcome = {
      conversationId: this.conversationId,
      text: acc.text,
      finishReason: reason,
      truncated: reason === 'budget',
      usage: usage ?? { promptTokens: 0, completionTokens: acc.tokens },
      safetyPolicyTriggered: safety,
      malformedFrames: this.#malformed,
      duplicates: acc.duplicates,
      reconnects: this.#reconnects,
      reads: this.#reads,
      timeToFirstChunkMs: this.#firstChunkAt === undefined ? undefined : this.#firstChunkAt - this.#startedAt,
      streamDurationMs: this.#firstChunkAt === undefined ? 0 : end - this.#firstChunkAt,
    };
    this.#settle(undefined);
    this.#resolve(outcome);
  }

  #fail(error: unknown): void {
    if (this.#link === 'settled') return;
    this.#settle({ value: error });
    // A caller who only iterates `chunks` still sees the error there; never an unhandled rejection.
    // Marked handled here, on the failure path only: no second promise per successful stream.
    this.result.catch(ignore);
    this.#reject(error);
  }

  #settle(error: { value: unknown } | undefined): void {
    this.#link = 'settled';
    this.#ending = error;
    this.#clearIdleRead();
    // Only a failure stops a read in flight; after a success it finishes and is ignored (no abort,
    // no error built, no socket destroyed).
    if (error !== undefined) this.#readAbort?.abort(STREAM_ENDED);
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#queue?.end(error);
    this.#hooks.onSettled?.(this);
  }

  readonly #onAbort = (): void => {
    this.#fail(new AbortError());
  };
}
