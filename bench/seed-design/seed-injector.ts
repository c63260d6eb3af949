/**
 * The seed's "Complete Working Example" class, as faithful as it can be while running at all:
 * one WebSocket per conversation on the direct socket path, `handleStreamEvents`, one retry after a
 * 429 (waiting `Retry-After`, default 5 s), heuristic token counts, a `crypto.randomUUID()` "prompt
 * hash". Used by the benchmarks as the peer our injector is measured against.
 *
 * Where the seed cannot run as written, the nearest working equivalent is used:
 * - `PureCloudPlatformClientV2.loginClientCredentials({...})` and `AiAssistantApi.postAiAssistantConversations`
 *   do not exist in any Genesys SDK (the package `@genesyscloud/platform-client-v2` does not exist
 *   either), so login is one plain `fetch` to `/oauth/token` (client credentials, as the real grant
 *   is) and the create call is a plain `fetch` POST; a non-2xx answer throws an error carrying
 *   `status` and `headers`, as the seed's `catch (err: any)` expects.
 * - The seed's `initialize()` reads `clientId`, `clientSecret` and `environment`, which are constructor
 *   parameters out of its scope (it does not compile); they are kept as fields here.
 * - The seed opens its socket on `process.env.GENESYS_ENVIRONMENT || 'mypurecloud.com'`, not on the
 *   environment it was constructed with; here the socket goes to the emulator's origin.
 * - `exportTelemetry` posts to an invented default host (`https://metrics.internal/...`); here it
 *   posts only when `OBSERVABILITY_ENDPOINT` is set — as our injector does — so neither side waits on
 *   a DNS failure. `generateAuditLog` builds the seed's JSON line but hands it to a sink (default:
 *   discard) instead of `console.log`, which would flood the benchmark's output.
 */
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import {
  buildPromptPayload,
  enforceTokenBudget,
  estimateTokens,
  injectFewShotContext,
  type SeedConversationRequest,
  type SeedFewShotExample,
  type SeedPromptTemplate,
} from './seed-prompt.js';
import { connectToAiStream, handleStreamEvents } from './seed-stream.js';

/** What an SDK call's failure carried, as the seed's `catch (err: any)` reads it. */
export class SeedHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string>,
  ) {
    super(`HTTP ${status}`);
    this.name = 'SeedHttpError';
  }
}

/** The seed's `TelemetryPayload` (Step 5). */
interface SeedTelemetryPayload {
  conversationId: string;
  assistantId: string;
  injectionLatencyMs: number;
  tokensConsumed: number;
  timestamp: string;
  safetyPolicyTriggered: boolean;
}

/** The seed's `exportTelemetry`, without its invented default URL. */
const exportTelemetry = async (payload: SeedTelemetryPayload): Promise<void> => {
  const telemetryUrl = process.env.OBSERVABILITY_ENDPOINT;
  if (!telemetryUrl) return;
  try {
    await fetch(telemetryUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
  } catch {
    // The seed warns on the console and goes on.
  }
};

/** Bench-only options (the seed's constructor takes the first three arguments alone). */
export interface SeedInjectorOptions {
  /** Receives each audit line the seed would `console.log` (default: discard). */
  auditSink?: (line: string) => void;
}

/** Sockets the seed design opened: it never reuses one. */
export interface SeedSocketStats {
  /** Sockets created (one per injection). */
  socketsOpened: number;
  /** Sockets not closed yet (the seed leaves them open after completion). */
  socketsOpen: number;
  /** Sockets whose handshake finished, so their subscribe was sent. */
  socketsConnected: number;
}

/** The seed's `GenesysPromptInjector` ("Complete Working Example"). */
export class SeedGenesysPromptInjector {
  readonly #apiBaseUrl: string;
  readonly #socketOrigin: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #auditSink: (line: string) => void;
  readonly #sockets: SeedSocketStats = { socketsOpened: 0, socketsOpen: 0, socketsConnected: 0 };
  #accessToken = '';

  /**
   * @param environment the API origin, e.g. `http://127.0.0.1:8787` (the seed took a domain)
   * @param clientId OAuth client id
   * @param clientSecret OAuth client secret
   * @param options bench-only: where audit lines go
   */
  constructor(
    environment: string,
    clientId: string,
    clientSecret: string,
    options: SeedInjectorOptions = {},
  ) {
    this.#apiBaseUrl = environment.replace(/\/$/, '');
    this.#socketOrigin = this.#apiBaseUrl.replace(/^http/, 'ws');
    this.#clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#auditSink = options.auditSink ?? (() => undefined);
  }

  /** The seed's `initialize()`: one client-credentials login (plain fetch; see the file comment). */
  async initialize(): Promise<void> {
    const response = await fetch(`${this.#apiBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${this.#clientId}:${this.#clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    if (!response.ok) throw new SeedHttpError(response.status, Object.fromEntries(response.headers));
    const body = (await response.json()) as { access_token?: string };
    this.#accessToken = body.access_token ?? '';
  }

  /** Socket counters (bench instrumentation: the seed counts nothing). */
  socketStats(): SeedSocketStats {
    return { ...this.#sockets };
  }

  /** The seed's `injectPrompt`, step by step. */
  async injectPrompt(
    assistantId: string,
    template: SeedPromptTemplate,
    fewShotExamples: SeedFewShotExample[],
  ): Promise<{ conversationId: string; response: string }> {
    const startMs = Date.now();
    const optimizedSystem = injectFewShotContext(template.systemInstruction, fewShotExamples);
    const payload = buildPromptPayload({ ...template, systemInstruction: optimizedSystem }, assistantId);
    const validatedMessages = enforceTokenBudget(payload.messages, template.contextWindowLimit);
    payload.messages = validatedMessages;

    let conversationId: string;
    try {
      const response = await this.#postAiAssistantConversations(assistantId, payload);
      conversationId = response.body.id;
    } catch (err) {
      if (err instanceof SeedHttpError && err.status === 429) {
        await this.#handleRateLimit(err);
        const response = await this.#postAiAssistantConversations(assistantId, payload);
        conversationId = response.body.id;
      } else {
        throw err;
      }
    }

    const latencyMs = Date.now() - startMs;
    const streamWs = this.#track(
      connectToAiStream({ socketOrigin: this.#socketOrigin, accessToken: this.#accessToken, conversationId }),
    );
    const responseText = await handleStreamEvents(streamWs, template.contextWindowLimit);
    const tokensConsumed = estimateTokens(responseText);
    await exportTelemetry({
      conversationId,
      assistantId,
      injectionLatencyMs: latencyMs,
      tokensConsumed,
      timestamp: new Date().toISOString(),
      safetyPolicyTriggered: false,
    });
    this.#generateAuditLog(conversationId, assistantId, randomUUID(), 'system-automation');
    return { conversationId, response: responseText };
  }

  /** Stands in for the SDK's `postAiAssistantConversations`. */
  async #postAiAssistantConversations(
    assistantId: string,
    payload: SeedConversationRequest,
  ): Promise<{ body: { id: string } }> {
    const response = await fetch(`${this.#apiBaseUrl}/api/v2/ai/assistants/${assistantId}/conversations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.#accessToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (!response.ok) {
      await response.arrayBuffer();
      throw new SeedHttpError(response.status, Object.fromEntries(response.headers));
    }
    return { body: (await response.json()) as { id: string } };
  }

  /** The seed's `handleRateLimit`: waits `Retry-After` seconds (default 5). */
  async #handleRateLimit(error: SeedHttpError): Promise<void> {
    const retryAfter = parseInt(error.headers['retry-after'] || '5', 10);
    console.warn(`Rate limited. Retrying after ${retryAfter} seconds.`);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
  }

  /** The seed's `generateAuditLog`, with a sink instead of `console.log`. */
  #generateAuditLog(conversationId: string, assistantId: string, promptHash: string, userId: string): void {
    const logEntry = {
      timestamp: new Date().toISOString(),
      eventType: 'AI_PROMPT_INJECTION',
      conversationId,
      assistantId,
      promptHash,
      userId,
      complianceStatus: 'AUDITED',
    };
    this.#auditSink(JSON.stringify(logEntry));
  }

  #track(ws: WebSocket): WebSocket {
    this.#sockets.socketsOpened++;
    this.#sockets.socketsOpen++;
    ws.once('open', () => this.#sockets.socketsConnected++);
    ws.once('close', () => this.#sockets.socketsOpen--);
    return ws;
  }
}
