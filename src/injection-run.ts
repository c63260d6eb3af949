/**
 * One injection in flight: its signal, its record, its request, and the events its backend reports.
 * The injector's `#execute` drives it through `start` → `finish` (or `fail`) → `end`; keeping the state
 * here, on one object, lets the async frame that waits out a long answer stay small.
 */
import { AbortError, ValidationError } from './errors.js';
import { InjectionSignal } from './injection-signal.js';
import type { InjectorConfig } from './injector-config.js';
import type { ChunkFeed } from './injector-chunk-feed.js';
import type { InjectOptions, InjectionResult } from './injector-options.js';
import type { InjectorParts } from './injector-parts.js';
import type { InjectionRecord } from './injector-recorder.js';
import { prepareRequest, type InjectionAsk } from './injector-request.js';
import type {
  ResponseAccepted,
  ResponseBackend,
  ResponseEvents,
  ResponseOutcome,
} from './stream/response-backend.js';
import type { DeadlineQueue } from './timers/deadline-queue.js';
import { raceAbort } from './timers/race-abort.js';
import { checkDurationMs } from './timers/timer-delay.js';

/** What every injection of one injector shares. */
export interface InjectionRunContext {
  readonly config: InjectorConfig;
  readonly parts: InjectorParts;
  readonly deadlines: DeadlineQueue;
  /** Fired by `close()`. */
  readonly closing: AbortSignal;
  /** True once the injector is initialized (no wait needed). */
  ready(): boolean;
  initialize(): Promise<void>;
}

/** One injection, from its signal to its record; also the events sink its backend reports to. */
export class InjectionRun implements ResponseEvents {
  readonly signal: InjectionSignal;
  readonly #ask: InjectionAsk;
  readonly #feed: ChunkFeed | undefined;
  readonly #context: InjectionRunContext;
  readonly #startedAt = performance.now();
  #record: InjectionRecord | undefined;
  #promptTokens = 0;
  #idempotencyKey = '';
  #conversationId = '';
  /** ms from the start to `accepted`. */
  #latencyMs = 0;

  /**
   * @param ask what the caller asked for
   * @param feed where its chunks go, when it streams
   * @param context the injector's shared parts
   */
  constructor(ask: InjectionAsk, feed: ChunkFeed | undefined, context: InjectionRunContext) {
    const { options } = ask;
    this.#ask = ask;
    this.#feed = feed;
    this.#context = context;
    this.signal = new InjectionSignal(
      options.signal,
      options.deadlineMs ?? context.config.deadlineMs,
      context.deadlines,
    );
    if (context.closing.aborted) this.signal.abort();
    feed?.attach(this.signal);
  }

  /**
   * Checks the ask, waits for the login if needed, prepares the prompt and hands it to the backend.
   * @returns the backend's answer
   * @throws ValidationError (nothing sent), and whatever the login throws
   */
  start(): Promise<ResponseOutcome> {
    const { assistantId, template, options } = this.#ask;
    const { label, backend } = this.#context.parts.backends.select(options);
    const record = (this.#record = this.#context.parts.recorder.begin(assistantId, template, label));
    checkDurationMs('deadlineMs', options.deadlineMs);
    if (this.#context.ready() && !this.signal.aborted) return this.#send(backend, record);
    return raceAbort(this.#context.initialize(), this.signal).then(() => this.#send(backend, record));
  }

  /** Prepares the prompt (nothing is sent when it is invalid) and hands it to the backend. */
  #send(backend: ResponseBackend<InjectOptions>, record: InjectionRecord): Promise<ResponseOutcome> {
    const { assistantId } = this.#ask;
    if (typeof assistantId !== 'string' || assistantId.trim() === '') {
      throw new ValidationError('assistantId', 'is empty', 'pass the id of a Genesys AI assistant');
    }
    const request = prepareRequest(this.#ask, this.#context.config.tokenizer, this.signal, record);
    this.#promptTokens = request.promptTokens;
    this.#idempotencyKey = request.idempotencyKey;
    return backend.respond(request, this);
  }

  /**
   * Records the answer (a streamed one once its caller has taken every chunk).
   * @param outcome the backend's answer
   */
  finish(outcome: ResponseOutcome): Promise<InjectionResult> {
    const feed = this.#feed;
    if (feed === undefined) return this.#succeed(outcome);
    return raceAbort(feed.drained(), this.signal).then(() => this.#succeed(outcome));
  }

  #succeed(outcome: ResponseOutcome): Promise<InjectionResult> {
    return (this.#record as InjectionRecord).succeed(outcome, {
      promptTokens: this.#promptTokens,
      idempotencyKey: this.#idempotencyKey,
      injectionLatencyMs: this.#latencyMs,
    });
  }

  /**
   * Records the failure.
   * @param error what went wrong
   * @returns the error to throw: the deadline's `TimeoutError` or the abort's reason for an abort
   */
  async fail(error: unknown): Promise<unknown> {
    const { signal } = this;
    const failure = signal.aborted && error instanceof AbortError ? signal.reason() : error;
    const { assistantId, template } = this.#ask;
    const { recorder } = this.#context.parts;
    await (this.#record ?? recorder.begin(assistantId, template, this.#context.config.backend)).fail(failure);
    return failure;
  }

  /** Releases the signal and tells the feed the injection ended. */
  end(): void {
    this.signal.dispose();
    this.#feed?.finish();
  }

  /** @inheritdoc */
  accepted({ conversationId, retries, targetVersion }: ResponseAccepted): void {
    this.#conversationId = conversationId;
    this.#record?.accepted(conversationId, retries, targetVersion);
    this.#latencyMs = performance.now() - this.#startedAt;
  }

  /** @inheritdoc */
  chunk(sequence: number, content: string): void {
    this.#feed?.push({ type: 'chunk', conversationId: this.#conversationId, sequence, content });
  }
}
