/**
 * The public types of the emulator (options, faults, stats, the running handle) and the defaults
 * every omitted option takes.
 */
import { randomBytes } from 'node:crypto';
import { SCOPE_ASSISTANT_READ, SCOPE_ASSISTANT_WRITE, SEED_ASSISTANT_ID } from '../contract/conversation.js';
import {
  CHANNEL_LIFETIME_MS,
  HEARTBEAT_INTERVAL_MS,
  SCOPE_NOTIFICATIONS,
} from '../contract/notifications.js';
import type { FinishReason } from '../contract/conversation.js';
import { DEFAULT_TOKEN_LIFETIME_S } from '../contract/errors.js';
import { SCOPE_AI_STUDIO, SCOPE_AI_STUDIO_READONLY } from '../contract/guides.js';
import type { InjectedCounts } from './fault-injector.js';
import type { GuideSessionView } from './guides-sessions.js';

/** An OAuth client the emulator accepts, with the scopes its tokens carry. */
export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/**
 * Seeded, reproducible fault injection (applies to `/api/v2` requests and to the sockets, never to
 * `/oauth/token` or `/__emulator`). Drop faults are decided when a conversation is created and
 * `socketClosingAfterMs` when a socket opens, so a change reaches new conversations and sockets.
 */
export interface EmulatorFaults {
  /** PRNG seed (default 1); same seed + same request order => same faults. */
  seed?: number;
  /** Share 0..1 of API requests answered 429 (real shape, `Retry-After`). */
  rate429?: number;
  /** `Retry-After` of injected 429s in seconds (default 1). */
  retryAfterSeconds?: number;
  /**
   * Share of API requests answered 500/502/503; for the create POST, half of them happen after the
   * conversation was created (the response is lost), which is what makes idempotency matter.
   */
  rate5xx?: number;
  /** Added to every `/api/v2` HTTP answer (ms). */
  latencyMs?: number;
  /** Terminate the sockets carrying a conversation after they sent N chunks of it (once per conversation). */
  dropAfterChunks?: number;
  /** Share of conversations whose sockets are terminated at a random chunk (once per conversation). */
  dropRate?: number;
  /** Share of frames preceded by an extra garbage frame (the real frame still follows). */
  malformedFrameRate?: number;
  /** Every channel socket gets `v2.system.socket_closing` this long after it opened, then closes 100 ms later. */
  socketClosingAfterMs?: number;
}

/** The emulator's request limit: `requests` per `windowMs`, counted per token (default) or per client. */
export interface RateLimitSetting {
  requests: number;
  windowMs: number;
  /** What one window counts: one access token's requests (default) or all of one OAuth client's. */
  per?: 'token' | 'client';
}

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** Port to listen on (default 0: a free port). */
  port?: number;
  /** Host to listen on (default 127.0.0.1). */
  host?: string;
  /** Registered OAuth clients (default one: emulator-client / emulator-secret with all scopes). */
  clients?: EmulatorClient[];
  /** Known assistant ids (default the original design's example assistant). */
  assistants?: string[];
  /** Lifetime of issued tokens in seconds (default 86 399). */
  tokenLifetimeSeconds?: number;
  /** Delay between the create and the first chunk (default 20 ms). */
  firstChunkDelayMs?: number;
  /**
   * Hold each conversation's stream before its first event until something can receive it: a direct
   * socket subscribed to it, or a channel subscribed to its topic with a socket open (default false).
   * The first chunk then comes `firstChunkDelayMs` after the create or at the first tick after the
   * subscription, whichever is later, so tests that subscribe after the create do not race the
   * emulator's timers. A held conversation reads as `queued` until released; it is held until a
   * subscriber comes or the emulator closes.
   */
  holdFirstChunkUntilSubscribed?: boolean;
  /** Delay between chunks (default 5 ms). */
  chunkIntervalMs?: number;
  /**
   * Serve the assistant responses topic `v2.ai.assistants.{assistantId}.responses` (this product's
   * contract; default true). False answers a subscription to it with 400, as an organisation
   * without the topic does, so clients can be tested on their fallback to conversation topics.
   */
  assistantResponsesTopic?: boolean;
  /** o200k tokens per chunk (default 3). */
  tokensPerChunk?: number;
  /** Heartbeat period of channel sockets (default 30 000 ms). */
  heartbeatIntervalMs?: number;
  /** Channel lifetime (default 24 h). */
  channelLifetimeMs?: number;
  /**
   * Requests per window per access token (default 300 per 60 000 ms), or per OAuth client with
   * `per: 'client'` (every token of one client shares the window); false turns it off.
   */
  rateLimit?: RateLimitSetting | false;
  /** Fault injection (default none). */
  faults?: EmulatorFaults;
  /** How long a finished conversation stays readable, and an idle guide session is kept (default 10 minutes). */
  retainCompletedMs?: number;
  /**
   * How long an idle keep-alive connection stays open, in ms (default 5 000, Node's default). A client
   * that reuses a connection just as the server closes it sees a reset: raise it for a client slowed
   * down on purpose (under a profiler).
   */
  keepAliveTimeoutMs?: number;
  /** Reads of a guide publish job that answer `InProgress` before it ends (default 1). */
  guidePublishReads?: number;
  /**
   * Token the `/__emulator/*` control endpoints require as `Authorization: Bearer <token>`
   * (default: a random one, on the handle as `controlToken`).
   */
  controlToken?: string;
  /** Serve the control endpoints without a token (for tests; default false). */
  controlOpen?: boolean;
  /**
   * More names the control endpoints accept in the `Host` header, e.g. a container's DNS name
   * (always accepted: loopback names, the bound host and, on a wildcard bind, this machine's addresses and name).
   */
  allowedHosts?: string[];
}

/** Counters of what the emulator did since it started. */
export interface EmulatorStats {
  tokensIssued: number;
  /** HTTP requests (control endpoints excluded). */
  requests: number;
  /** Requests per route, keyed `METHOD /path/{param}`; `unmatched` for unknown routes. */
  requestsByRoute: Record<string, number>;
  conversationsCreated: number;
  idempotentReplays: number;
  channelsCreated: number;
  /** WebSockets open now (direct and channel). */
  socketsOpen: number;
  /** WebSockets accepted since start. */
  socketsOpened: number;
  /** Chunk events generated (one per chunk of a conversation, whatever the number of subscribers). */
  chunksSent: number;
  injected: InjectedCounts;
  /** Real rate-limit 429s (not injected). */
  rateLimited: number;
  /** AI Studio Guides counters. */
  guides: {
    guidesCreated: number;
    versionsCreated: number;
    publishJobs: number;
    sessionsStarted: number;
    /** Session turns answered (`NoOp` polls included). */
    turns: number;
  };
}

/** What `conversation(id)` tells about one conversation. */
export interface EmulatorConversationView {
  /** The whole answer (what a complete stream delivers). */
  text: string;
  /** Set once the conversation completed. */
  finishReason: FinishReason | null;
  status: string;
  promptTokens: number;
  completionTokens: number;
}

/** A running emulator. */
export interface Emulator {
  /**
   * `http://HOST:PORT`: login, REST and sockets all on this origin. On a wildcard bind (`0.0.0.0`,
   * `::`) it is the loopback address, the one that works from this machine.
   */
  baseUrl: string;
  /** The address the server listens on (the `host` option). */
  listenHost: string;
  /** What the control endpoints require as `Authorization: Bearer <token>`; undefined with `controlOpen`. */
  controlToken: string | undefined;
  /** Credentials of the first registered client. */
  clientId: string;
  clientSecret: string;
  port: number;
  /** A snapshot of the counters. */
  stats(): EmulatorStats;
  /** Replaces the faults and reseeds the PRNG. */
  setFaults(faults: EmulatorFaults): void;
  /** Sends `socket_closing` on every channel socket now and closes them after `graceMs` (default 100). */
  forceSocketClosing(graceMs?: number): void;
  /** Every channel expires now: its sockets are closed and it is gone. */
  expireChannels(): void;
  /** Every token issued so far is invalid (401 on next use); the direct sockets they opened close. */
  expireTokens(): void;
  /** One conversation's final text and state, or undefined when unknown. */
  conversation(id: string): EmulatorConversationView | undefined;
  /** One guide session's state, or undefined when unknown. */
  guideSession(guideId: string, guideSessionId: string): GuideSessionView | undefined;
  /** Closes the server, every socket and timer; resolves once their handles are released. Idempotent. */
  close(): Promise<void>;
}

/** Every scope the emulator knows: what the default client gets. */
export const ALL_EMULATOR_SCOPES: readonly string[] = [
  SCOPE_ASSISTANT_WRITE,
  SCOPE_ASSISTANT_READ,
  SCOPE_NOTIFICATIONS,
  SCOPE_AI_STUDIO,
  SCOPE_AI_STUDIO_READONLY,
];

/** The default client's credentials. */
export const DEFAULT_EMULATOR_CLIENT: EmulatorClient = {
  clientId: 'emulator-client',
  clientSecret: 'emulator-secret',
  scopes: [...ALL_EMULATOR_SCOPES],
};

/** Options with every default filled in. */
export interface ResolvedEmulatorOptions {
  port: number;
  host: string;
  clients: EmulatorClient[];
  assistants: string[];
  tokenLifetimeSeconds: number;
  firstChunkDelayMs: number;
  holdFirstChunkUntilSubscribed: boolean;
  chunkIntervalMs: number;
  assistantResponsesTopic: boolean;
  tokensPerChunk: number;
  heartbeatIntervalMs: number;
  channelLifetimeMs: number;
  rateLimit: RateLimitSetting | false;
  faults: EmulatorFaults;
  retainCompletedMs: number;
  keepAliveTimeoutMs: number;
  guidePublishReads: number;
  /** Undefined when the control endpoints are open. */
  controlToken: string | undefined;
  allowedHosts: string[];
}

/** Fills in the defaults of `options`. */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const clients = options.clients && options.clients.length > 0 ? options.clients : [DEFAULT_EMULATOR_CLIENT];
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    clients: clients.map((c) => ({ ...c, scopes: [...c.scopes] })),
    assistants: options.assistants ?? [SEED_ASSISTANT_ID],
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_S,
    firstChunkDelayMs: Math.max(0, options.firstChunkDelayMs ?? 20),
    holdFirstChunkUntilSubscribed: options.holdFirstChunkUntilSubscribed ?? false,
    chunkIntervalMs: Math.max(1, options.chunkIntervalMs ?? 5),
    assistantResponsesTopic: options.assistantResponsesTopic ?? true,
    tokensPerChunk: Math.max(1, Math.floor(options.tokensPerChunk ?? 3)),
    heartbeatIntervalMs: Math.max(1, options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS),
    channelLifetimeMs: Math.max(1, options.channelLifetimeMs ?? CHANNEL_LIFETIME_MS),
    rateLimit: options.rateLimit === undefined ? { requests: 300, windowMs: 60_000 } : options.rateLimit,
    faults: { ...(options.faults ?? {}) },
    retainCompletedMs: options.retainCompletedMs ?? 10 * 60_000,
    keepAliveTimeoutMs: Math.max(1, options.keepAliveTimeoutMs ?? 5_000),
    guidePublishReads: Math.max(0, Math.floor(options.guidePublishReads ?? 1)),
    controlToken:
      options.controlOpen === true
        ? undefined
        : (options.controlToken ?? randomBytes(24).toString('base64url')),
    allowedHosts: [...(options.allowedHosts ?? [])],
  };
}
