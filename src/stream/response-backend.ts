/**
 * The seam between the injector and whatever produces an answer: a response backend takes one
 * prepared prompt and yields what happens to it — `accepted` once the server took it, the answer's
 * chunks as they arrive — then returns one outcome. The notification channel, the direct socket and
 * conversation polling are three backends; a backend that answers in one request (no conversation,
 * no stream) is a fourth shape that fits the same interface. Each lives in its own file and is listed
 * once in the injector's registry.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import type { ConversationCreateRequest, Usage } from '../contract/conversation.js';
import type { RestCaller } from '../http/rest-request.js';
import type { ResolvedResponseLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { PromptTemplate } from '../prompt/template.js';
import type { TokenCounter } from './response-accumulator.js';
import type { ConversationApi } from './stream-backend.js';
import type { StreamFinishReason } from './stream-outcome.js';
import type { StreamTransportStats } from './stream-transport.js';
import type { StreamTuning } from './stream-tuning.js';

/** What the injector gives a backend when it creates one (once per injector, on first use). */
export interface ResponseBackendContext {
  /** The shared REST pipeline (token, pacing, retries, 401 re-login, typed errors) for any endpoint. */
  rest: RestCaller;
  /** The AI Assistant conversation endpoints and the socket credentials, through that pipeline. */
  conversations: ConversationApi;
  /** Never receives a token or secret. */
  logger: Logger;
  /** Timings of the socket transports. */
  tuning: StreamTuning;
  /** Sizes accepted from the server (socket frames, answer text, held chunks). */
  limits: ResolvedResponseLimits;
  /** ms between conversation reads when polling. */
  pollIntervalMs: number;
}

/**
 * One injection, ready to send. `Options` is the caller's per-call options as the composer types them
 * (the injector's `InjectOptions`); the socket backends read none of them, so they take any.
 */
export interface ResponseRequest<Options = unknown> {
  /** The assistant (or other target) the prompt is for. */
  readonly targetId: string;
  /** The template the prompt was rendered from: its variables, settings and metadata. */
  readonly template: PromptTemplate;
  /** The caller's options of this injection (variables, history, budget, ...). */
  readonly options: Options;
  /** Sent on every retry of the request that starts the exchange. */
  readonly idempotencyKey: string;
  /** Tokens of the prompt as sent. */
  readonly promptTokens: number;
  /**
   * The payload (messages and settings). The first call hands it over and the request forgets it, so
   * the prompt text can be collected while a long answer streams; call it once.
   */
  takePayload(): ConversationCreateRequest;
  /** Fires on the caller's abort, the deadline, or the injector closing: stop and release. */
  readonly signal: AbortSignal;
  /**
   * The same signal as an `AbortSignalLike`, which builds no `AbortSignal`: what a backend holding it
   * for a whole answer should listen on (an `AbortSignal` holds about 1 KB). When omitted, `signal`.
   */
  readonly abort?: AbortSignalLike;
  /**
   * When the injection's deadline passes (`Date.now()` ms): a request whose wait (a 429's
   * `Retry-After`) would end later fails at once rather than wait for nothing.
   */
  readonly deadlineAt?: number;
  /** Yield `chunk` events (`streamPrompt`); when false only the outcome is wanted. */
  readonly collectChunks: boolean;
  /** Stop the answer at this many tokens (`finishReason: 'budget'`); needs `countTokens`. */
  readonly budgetTokens?: number;
  readonly countTokens?: TokenCounter;
}

/** The server took the prompt; `conversationId` names the exchange (a conversation, a session). */
export interface ResponseAccepted {
  conversationId: string;
  retries: number;
  /** The version of the target that took the prompt (a guide version), recorded in the audit entry. */
  targetVersion?: string;
}

/** What a backend reports while it answers, as it happens. */
export interface ResponseEvents {
  /** The server took the prompt: called exactly once, before any chunk. */
  accepted(event: ResponseAccepted): void;
  /** A piece of the answer (only when `collectChunks`); the pieces in order are exactly the outcome's `text`. */
  chunk(sequence: number, content: string): void;
}

/** The end of one answer. Times count from the `accepted` event. */
export interface ResponseOutcome {
  conversationId: string;
  text: string;
  finishReason: StreamFinishReason;
  /** True when the token budget cut the answer. */
  truncated: boolean;
  usage: Usage;
  safetyPolicyTriggered: boolean;
  /** Frames skipped as unparseable (0 for a backend without a socket). */
  malformedFrames: number;
  /** ms from `accepted` to the first text (undefined when the answer was empty). */
  timeToFirstChunkMs: number | undefined;
  /** ms from the first text to the end. */
  streamDurationMs: number;
  /** What only this backend knows (a session's status, output variables, ...); reaches the result. */
  details?: Readonly<Record<string, unknown>>;
}

/** One backend instance of one injector; `Options` as in `ResponseRequest`. */
export interface ResponseBackend<Options = unknown> {
  /**
   * Sends the prompt and answers it: reports `accepted` exactly once (before any chunk), then the
   * chunks when asked for, and resolves with the outcome. The request's signal firing (the caller
   * aborted or stopped reading, the deadline, `close()`) ends the answer and releases what it held.
   * @param request the prepared injection
   * @param events where `accepted` and the chunks go
   * @throws ApiError subclasses, StreamError, AbortError
   */
  respond(request: ResponseRequest<Options>, events: ResponseEvents): Promise<ResponseOutcome>;
  /** Socket and subscription counters, for a backend that keeps sockets. */
  stats?(): StreamTransportStats;
  /** Ends every answer in flight and releases sockets and timers. Idempotent. */
  close(): Promise<void>;
}

/** A kind of backend: its name, and how to make one for an injector; `Options` as in `ResponseRequest`. */
export interface ResponseBackendFactory<Options = unknown> {
  /** The name callers pass as the `backend` option. */
  readonly name: string;
  /**
   * The backend a call with `stream: false` uses instead (the socket transports name `polling`);
   * omitted when this backend does not stream anyway.
   */
  readonly whenNotStreaming?: string;
  /**
   * Makes the backend an injector uses; called once, on first use.
   * @param context the shared REST pipeline, the conversation endpoints, logger and timings
   */
  create(context: ResponseBackendContext): ResponseBackend<Options>;
}
