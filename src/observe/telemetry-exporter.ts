/**
 * The original design's JSON telemetry webhook, made safe for production: off unless an endpoint is configured
 * (no invented default URL), batched, bounded, and unable to fail or slow down an injection.
 */
import type { Usage } from '../contract/conversation.js';
import type { StreamFinishReason } from '../stream/stream-outcome.js';
import { silentLogger, type Logger } from '../logger.js';

/** One injection's telemetry: the original design's fields plus the streaming figures. */
export interface TelemetryPayload {
  conversationId: string;
  assistantId: string;
  /** ms from start to the create call's answer. */
  injectionLatencyMs: number;
  /** Prompt plus completion tokens. */
  tokensConsumed: number;
  /** ISO 8601. */
  timestamp: string;
  safetyPolicyTriggered: boolean;
  /** ms from start to the first chunk; absent when nothing streamed. */
  timeToFirstChunkMs?: number;
  /** ms from the first chunk to the end. */
  streamDurationMs: number;
  /** Completion tokens per second of streaming. */
  tokensPerSecond: number;
  promptTokens: number;
  retries: number;
  /** True when the stream stopped at the token budget. */
  truncated: boolean;
  finishReason: StreamFinishReason;
  /** The backend that answered (`notifications`, `direct`, ...). */
  transport: string;
}

/** What the telemetry record of an injection is made from (an `InjectionResult` holds all of it). */
export interface TelemetrySource {
  conversationId: string;
  injectionLatencyMs: number;
  usage: Usage;
  safetyPolicyTriggered: boolean;
  timeToFirstChunkMs: number | undefined;
  streamDurationMs: number;
  promptTokens: number;
  retries: number;
  truncated: boolean;
  finishReason: StreamFinishReason;
}

/**
 * Builds the telemetry payload of a finished injection. `tokensConsumed` is prompt plus completion
 * tokens as the server counted them; `tokensPerSecond` is completion tokens over the stream duration
 * (0 when nothing streamed).
 */
export function telemetryPayloadFromResult(
  result: TelemetrySource,
  context: { assistantId: string; transport: string; timestamp?: Date },
): TelemetryPayload {
  const { promptTokens, completionTokens } = result.usage;
  return {
    conversationId: result.conversationId,
    assistantId: context.assistantId,
    injectionLatencyMs: result.injectionLatencyMs,
    tokensConsumed: promptTokens + completionTokens,
    timestamp: (context.timestamp ?? new Date()).toISOString(),
    safetyPolicyTriggered: result.safetyPolicyTriggered,
    ...(result.timeToFirstChunkMs === undefined ? {} : { timeToFirstChunkMs: result.timeToFirstChunkMs }),
    streamDurationMs: result.streamDurationMs,
    tokensPerSecond: result.streamDurationMs > 0 ? (completionTokens * 1000) / result.streamDurationMs : 0,
    promptTokens: result.promptTokens,
    retries: result.retries,
    truncated: result.truncated,
    finishReason: result.finishReason,
    transport: context.transport,
  };
}

/** The `fetch` the exporters call (global `fetch` by default; injectable for tests and proxies). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of `exportTelemetry`. */
export interface ExportTelemetryOptions {
  /** Default `OBSERVABILITY_ENDPOINT`; nothing is sent when neither is set. */
  endpoint?: string;
  fetch?: FetchFunction;
  /** Default 5000. */
  timeoutMs?: number;
}

/**
 * The original design's `exportTelemetry`: POSTs `payload` as JSON to `options.endpoint` or
 * `OBSERVABILITY_ENDPOINT`. Never throws and never logs: resolves `{ sent: true }` on a 2xx answer,
 * `{ sent: false }` when no endpoint is set, or on any failure or timeout. For many injections use
 * `TelemetryExporter`, which batches.
 */
export async function exportTelemetry(
  payload: TelemetryPayload,
  options: ExportTelemetryOptions = {},
): Promise<{ sent: boolean }> {
  const endpoint = options.endpoint ?? process.env.OBSERVABILITY_ENDPOINT;
  if (!endpoint) return { sent: false };
  const status = await postJson(
    options.fetch ?? fetch,
    endpoint,
    payload,
    options.timeoutMs ?? 5000,
    undefined,
  );
  return { sent: status !== undefined && status >= 200 && status < 300 };
}

/** Options of `TelemetryExporter`. */
export interface TelemetryExporterOptions {
  /** Default `OBSERVABILITY_ENDPOINT`; the exporter is off (records nothing) when neither is set. */
  endpoint?: string;
  /** Payloads per POST (default 50). */
  batchSize?: number;
  /** A partial batch is sent after at most this long (default 1000 ms). */
  flushIntervalMs?: number;
  /** Payloads held at most; the oldest is dropped (and counted) beyond (default 1000). */
  maxQueue?: number;
  /** Per-POST timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Told about failed POSTs and drops (counts and statuses only, never payloads or the URL). */
  logger?: Logger;
  fetch?: FetchFunction;
}

/** Counts of payloads since the exporter was created. */
export interface TelemetryStats {
  /** Delivered (2xx). */
  sent: number;
  /** Never tried: pushed out of a full queue, recorded after close, or left when close's deadline hit. */
  dropped: number;
  /** Tried, but the POST failed, timed out or got a non-2xx answer. */
  failed: number;
  /** Waiting in the queue now. */
  queued: number;
}

/**
 * Batches telemetry payloads to a JSON webhook: each POST body is a JSON array of payloads, one POST
 * in flight at a time. `record` never blocks or throws; a slow or dead endpoint costs at most
 * `maxQueue` payloads of memory, and what it drops is counted.
 */
export class TelemetryExporter {
  /** False when no endpoint is configured: `record` then does nothing. */
  readonly enabled: boolean;
  readonly #endpoint: string;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxQueue: number;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  readonly #fetch: FetchFunction;
  #queue: TelemetryPayload[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #inFlight: AbortController | undefined;
  #closed = false;
  #stopped = false;
  #warnedDrop = false;
  #stats = { sent: 0, dropped: 0, failed: 0 };

  constructor(options: TelemetryExporterOptions = {}) {
    const endpoint = options.endpoint ?? process.env.OBSERVABILITY_ENDPOINT ?? '';
    this.enabled = endpoint !== '';
    this.#endpoint = endpoint;
    this.#batchSize = Math.max(1, options.batchSize ?? 50);
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxQueue = Math.max(1, options.maxQueue ?? 1000);
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#logger = options.logger ?? silentLogger;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Queues one payload; sends a batch at once when one is full. Never throws, never waits. */
  record(payload: TelemetryPayload): void {
    if (!this.enabled) return;
    if (this.#closed) {
      this.#stats.dropped += 1;
      return;
    }
    this.#queue.push(payload);
    if (this.#queue.length > this.#maxQueue) {
      this.#queue.shift();
      this.#stats.dropped += 1;
      if (!this.#warnedDrop) {
        this.#warnedDrop = true;
        this.#logger.warn({ maxQueue: this.#maxQueue }, 'telemetry queue full: dropping the oldest payloads');
      }
    }
    this.#timer ??= setInterval(() => this.#pump(true), this.#flushIntervalMs).unref();
    if (this.#queue.length >= this.#batchSize) this.#pump(false);
  }

  /** Sends everything queued now; resolves when done (failures are counted, not thrown). */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 && !this.#stopped) {
      this.#pump(true);
      await this.#pumping;
    }
  }

  /** Counts so far. */
  stats(): TelemetryStats {
    return { ...this.#stats, queued: this.#queue.length };
  }

  /**
   * Stops the timer, sends what is queued within `deadlineMs` (default the POST timeout), then aborts
   * what is still in flight and counts what is left as dropped. Resolves with the final counts.
   */
  async close(deadlineMs = this.#timeoutMs): Promise<TelemetryStats> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      this.#timer = undefined;
      let deadline: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => {
        deadline = setTimeout(resolve, deadlineMs);
      });
      await Promise.race([this.flush(), expired]);
      clearTimeout(deadline);
      this.#stopped = true;
      this.#inFlight?.abort();
      await this.#pumping;
      this.#stats.dropped += this.#queue.length;
      this.#queue = [];
    }
    return this.stats();
  }

  /** Starts sending batches unless already sending: full ones only, or also a partial one when `all`. */
  #pump(all: boolean): void {
    if (this.#pumping || this.#queue.length === 0) return;
    const more = (): boolean => !this.#stopped && this.#queue.length >= (all ? 1 : this.#batchSize);
    this.#pumping = (async () => {
      while (more()) {
        const batch = this.#queue.splice(0, this.#batchSize);
        this.#inFlight = new AbortController();
        const status = await postJson(
          this.#fetch,
          this.#endpoint,
          batch,
          this.#timeoutMs,
          this.#inFlight.signal,
        );
        this.#inFlight = undefined;
        if (status !== undefined && status >= 200 && status < 300) {
          this.#stats.sent += batch.length;
        } else {
          this.#stats.failed += batch.length;
          this.#logger.warn(
            { status: status ?? 'no answer', payloads: batch.length },
            'telemetry export failed',
          );
        }
      }
    })().finally(() => {
      this.#pumping = undefined;
    });
  }
}

/** POSTs `body` as JSON; resolves the HTTP status, or undefined on any failure. Never rejects. */
async function postJson(
  fetchFn: FetchFunction,
  endpoint: string,
  body: unknown,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<number | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetchFn(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
