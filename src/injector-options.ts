/**
 * Options and results of `GenesysPromptInjector`, kept apart from its implementation so the CLI and
 * docs can depend on the shapes alone.
 */
import type { FinishReason, Usage } from './contract/conversation.js';
import type { Logger } from './logger.js';

/** Tokenizers `estimateTokens` can use; `heuristic` is the seed's chars x 0.25. */
export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'heuristic';

/** How answers are streamed back. */
export type StreamTransport = 'notifications' | 'direct';

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
  /** JSON-lines audit file; no audit trail when omitted. */
  auditLogPath?: string;
  /** HMAC-SHA-256 key for the audit chain; plain SHA-256 when omitted. */
  auditHmacKey?: string;
  /** JSON webhook for telemetry; default `OBSERVABILITY_ENDPOINT`, off when neither is set. */
  observabilityEndpoint?: string;
  /** Retries per request (default 5). */
  maxRetries?: number;
  /** Retry failures other than 429 (default true; the idempotency key makes the POST safe). */
  retryNonRateLimited?: boolean;
  /** Client-side pacing per OAuth client (default 300, Genesys's usual limit). */
  requestsPerMinute?: number;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Overall deadline of one injection in ms (default 120 000). */
  deadlineMs?: number;
  /** Default `o200k_base`. */
  tokenizer?: TokenizerName;
  /** pino-compatible logger; silent when omitted. */
  logger?: Logger;
  /** A caller's existing SDK `ApiClient` instance (from `purecloud-platform-client-v2`). */
  apiClient?: unknown;
  /** Recorded in audit entries (default `system-automation`, as in the seed). */
  userId?: string;
  /** Allow plain http:// and ws:// to a host other than loopback (default false). */
  allowInsecure?: boolean;
}

/** Per-call options of `injectPrompt` and `streamPrompt`. */
export interface InjectOptions {
  /** Variable values merged over the template's own. */
  variables?: Record<string, string>;
  /** Earlier turns placed between the system instruction and the new user message. */
  history?: Array<{ role: 'user' | 'assistant'; content: string }>;
  /** Leave `[MISSING_VARIABLE]` for missing variables instead of failing (the seed's behaviour). */
  allowMissingVariables?: boolean;
  /** Stop the injection: the stream ends and the call rejects with `AbortError`. */
  signal?: AbortSignal;
  /** Idempotency key for the create call; one is generated when omitted. Reuse it to resume. */
  idempotencyKey?: string;
  /** Complete by reading the conversation instead of streaming. */
  stream?: boolean;
}

/** The result of one injection. */
export interface InjectionResult {
  conversationId: string;
  /** Exactly the server's text (cut at the budget when `truncated`). */
  response: string;
  finishReason: FinishReason | 'budget';
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
}

/** One item of `streamPrompt`: text chunks, then exactly one final result. */
export type StreamItem =
  | { type: 'chunk'; conversationId: string; sequence: number; content: string }
  | { type: 'result'; result: InjectionResult };
