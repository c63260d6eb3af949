/**
 * Options and results of `GenesysPromptInjector`, kept apart from its implementation so the CLI and
 * docs can depend on the shapes alone.
 */
import type { Meter, Tracer } from '@opentelemetry/api';
import type { PromptMessage, Usage } from './contract/conversation.js';
import type { RateLimitScope } from './fleet/pacing-scope.js';
import type { GuideInjectOptions } from './guides/guide-turn-result.js';
import type { RequestPacerFactory } from './http/request-pacer.js';
import type { ResponseLimits } from './limits.js';
import type { Logger } from './logger.js';
import type { KeyObject } from 'node:crypto';
import type { AuditSink } from './observe/audit-sink.js';
import type { AuditWriterOptions } from './observe/audit-writer-options.js';
import type { TokenizerName } from './prompt/tokens.js';
import type { StreamFinishReason } from './stream/stream-outcome.js';
import type { StreamTransport } from './stream/stream-transport.js';
import type { StreamTuning } from './stream/stream-tuning.js';

export type { StreamTransport, StreamTuning, TokenizerName };

/** Options of `new GenesysPromptInjector({...})`. Environment variables fill what is omitted. */
export interface InjectorOptions {
  /** Region name (`us_east_1`), domain (`mypurecloud.com`) or base URL (`http://127.0.0.1:8787`). Default `GENESYS_ENVIRONMENT`. */
  environment?: string;
  /** Default `GENESYS_CLIENT_ID`. */
  clientId?: string;
  /** Default `GENESYS_CLIENT_SECRET`. Never logged. */
  clientSecret?: string;
  /** Default `notifications` (the real Genesys notification service). */
  transport?: StreamTransport;
  /**
   * The response backend by name (`notifications`, `direct`, `polling`, or one registered later);
   * default: `transport`.
   */
  backend?: string;
  /**
   * The audit trail: a JSON-lines file, or a `postgres://user@host/db` URL (`?schema=` picks the
   * schema) for the PostgreSQL trail several hosts share; none when omitted. Not with `auditSink`.
   */
  auditLogPath?: string;
  /**
   * Where audit entries go instead of a file (e.g. a database shared by several hosts). The injector
   * appends to it and never closes it: its owner does. Not with `auditLogPath`.
   */
  auditSink?: AuditSink;
  /** HMAC-SHA-256 key for the audit chain; plain SHA-256 when omitted. */
  auditHmacKey?: string;
  /**
   * Ed25519 private key (a `KeyObject` or PEM text) that signs the trail's checkpoints; default
   * `GENESYS_AUDIT_SIGNING_KEY`. Unsigned checkpoints when none is given.
   */
  auditSigningKey?: KeyObject | string;
  /** PEM file of that key (from `genesys-prompt audit keygen`); default `GENESYS_AUDIT_SIGNING_KEY_FILE`. */
  auditSigningKeyFile?: string;
  /** Checkpoint cadence and lock wait of the trail `auditLogPath` opens. */
  auditTuning?: Pick<AuditWriterOptions, 'checkpointEvery' | 'checkpointIntervalMs' | 'lockTimeoutMs'>;
  /** JSON webhook for telemetry; default `OBSERVABILITY_ENDPOINT`, off when neither is set. */
  observabilityEndpoint?: string;
  /** Retries per request (default 5). */
  maxRetries?: number;
  /** Retry failures other than 429 (default true; the idempotency key makes the POST safe). */
  retryNonRateLimited?: boolean;
  /** Client-side pacing per OAuth client (default 300, Genesys's usual limit; 0 turns it off). */
  requestsPerMinute?: number;
  /**
   * Gives the pacer of this injector's OAuth client (default: one in-process limiter per client,
   * shared by every injector of this process). A store shared by several processes plugs in here.
   * The injector closes what it gets when it closes.
   */
  rateLimiter?: RequestPacerFactory;
  /**
   * `redis://host:6379` (or `rediss://`): keep the request budget and any server-imposed
   * `Retry-After` pause in Redis, shared by every injector, process and host that names the same
   * store. While it cannot be reached, pacing falls back to this process (with a logged warning) and
   * returns to the store when it answers. Not with `rateLimiter`.
   */
  rateLimitStore?: string;
  /** Whose budget the store holds: `client` (default, per OAuth client), `organization` or `token`. */
  rateLimitScope?: RateLimitScope;
  /** With `rateLimitScope: 'organization'`: the organisation's name, the same in every process. */
  rateLimitOrganization?: string;
  /**
   * Requests that may go at once after a quiet spell (default one second's worth, at most 10). Use 1
   * when the server counts in windows shorter than a minute.
   */
  requestBurst?: number;
  /** Per-request timeout in ms (default 30 000; at most 2^31-1, as every duration option). */
  timeoutMs?: number;
  /**
   * Keep-alive connections per origin for REST calls and the login, at most (default 64): requests
   * past it wait for a free connection, before they are built, rather than open thousands under
   * load (a request's `timeoutMs` starts when it is sent; its deadline bounds the wait). Not applied
   * to an `apiClient`'s own proxy or mTLS agent. Sockets of the stream transports are not counted.
   */
  maxSockets?: number;
  /** Overall deadline of one injection in ms (default 120 000). */
  deadlineMs?: number;
  /**
   * Longest `Retry-After` the client waits out (default 60 000 ms; 0: none): a 429 asking for longer,
   * or for a wait that would end past the injection's deadline, fails at once with `RateLimitError`.
   */
  maxRetryAfterMs?: number;
  /** Sizes accepted from the server (REST body, socket frame, answer text, held chunks); see `ResponseLimits`. */
  limits?: ResponseLimits;
  /** Default `o200k_base`. */
  tokenizer?: TokenizerName;
  /** pino-compatible logger; silent when omitted. */
  logger?: Logger;
  /** A caller's existing SDK `ApiClient` instance (from `purecloud-platform-client-v2`). */
  apiClient?: unknown;
  /** Recorded in audit entries (default `system-automation`, as in the original design). */
  userId?: string;
  /** Allow plain http:// and ws:// to a host other than loopback (default false). */
  allowInsecure?: boolean;
  /** With `stream: false`, ms between conversation reads (default 500). */
  pollIntervalMs?: number;
  /** Tuning of the retry waits (tests shorten them; production keeps the waits of docs/protocol.md). */
  retryDelays?: { baseDelayMs?: number; maxDelayMs?: number };
  /** Tuning of the stream transports (tests shorten them; defaults follow Genesys). */
  streamTuning?: StreamTuning;
  /** Tuning of the telemetry webhook (batch size, flush interval, a `fetch` to use). */
  telemetryTuning?: {
    batchSize?: number;
    flushIntervalMs?: number;
    maxQueue?: number;
    fetch?: (input: string, init: RequestInit) => Promise<Response>;
  };
  /** OpenTelemetry tracer and meter (default: the global providers of `@opentelemetry/api`). */
  openTelemetry?: { tracer?: Tracer; meter?: Meter };
}

/** Per-call options of `injectPrompt` and `streamPrompt`. */
export interface InjectOptions {
  /** Variable values merged over the template's own. */
  variables?: Record<string, string>;
  /** Earlier turns placed between the system instruction and the new user message (oldest first). */
  history?: PromptMessage[];
  /** Leave `[MISSING_VARIABLE]` for missing variables instead of failing (the original design's behaviour). */
  allowMissingVariables?: boolean;
  /** Stop the injection: the stream ends and the call rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Idempotency key for the create call; one is generated when omitted. Reuse it to resume. */
  idempotencyKey?: string;
  /** Stream the answer (default true); `false` completes by reading the conversation (4.4). */
  stream?: boolean;
  /** The response backend of this call (default: the injector's `backend`). */
  backend?: string;
  /** Stop streaming once the answer reaches this many tokens; the result says `truncated` (the original design's cut-off). */
  maxResponseTokens?: number;
  /** Overall deadline of this injection in ms (default: the injector's `deadlineMs`). */
  deadlineMs?: number;
  /** With `backend: 'guides'`: continue a session, answer a client action, pin a version or language. */
  guide?: GuideInjectOptions;
}

/** The result of one injection. */
export interface InjectionResult {
  conversationId: string;
  /** Exactly the server's text (cut at the budget when `truncated`). */
  response: string;
  finishReason: StreamFinishReason;
  /** True when the stream stopped at the token budget. */
  truncated: boolean;
  usage: Usage;
  safetyPolicyTriggered: boolean;
  promptTokens: number;
  /** SHA-256 of the canonical JSON of the payload sent. */
  promptHash: string;
  idempotencyKey: string;
  /** ms from start to the create call's answer. */
  injectionLatencyMs: number;
  /** ms from start to the first chunk (undefined when nothing streamed). */
  timeToFirstChunkMs: number | undefined;
  /** ms from the first chunk to the end. */
  streamDurationMs: number;
  retries: number;
  /** Malformed frames skipped while streaming. */
  malformedFrames: number;
  /** `seq` and `hash` of the audit entry, when auditing. */
  audit: { seq: number; hash: string } | undefined;
  /** What only the backend that answered knows (absent for the conversation backends). */
  details?: Readonly<Record<string, unknown>>;
}

/** One item of `streamPrompt`: text chunks, then exactly one final result. */
export type StreamItem =
  | { type: 'chunk'; conversationId: string; sequence: number; content: string }
  | { type: 'result'; result: InjectionResult };
