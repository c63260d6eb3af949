/**
 * GenesysPromptInjector: the one place that composes the prompt pipeline, OAuth, REST, streaming,
 * audit and telemetry (PRODUCT.md 3). Each injection: prepare the payload (nothing is sent when it is
 * invalid), create the conversation under one idempotency key, stream or read the answer, then append
 * one audit entry and one telemetry record for the outcome — success or failure.
 */
import { randomUUID } from 'node:crypto';
import { TokenProvider } from './auth/token-provider.js';
import type { Conversation } from './contract/conversation.js';
import { AbortError, GenesysPromptError, StreamError, ValidationError } from './errors.js';
import { abortableSleep } from './http/abortable-sleep.js';
import { GenesysApi } from './http/genesys-api.js';
import { raceAbort } from './http/race-abort.js';
import { injectionSignal, type InjectionSignal } from './injection-signal.js';
import { resolveInjectorConfig, type InjectorConfig } from './injector-config.js';
import type { InjectOptions, InjectionResult, InjectorOptions, StreamItem } from './injector-options.js';
import { silentLogger, type Logger } from './logger.js';
import { AuditLog } from './observe/audit-log.js';
import { promptHash, sha256Hex } from './observe/canonical-json.js';
import { startInjectionSpan, type InjectionSpan } from './observe/otel.js';
import { redactingLogger } from './observe/redacting-logger.js';
import { TelemetryExporter, telemetryPayloadFromResult } from './observe/telemetry-exporter.js';
import type { FewShotExample } from './prompt/few-shot.js';
import { preparePrompt, type PreparedPrompt } from './prompt/prepare-prompt.js';
import type { PromptTemplate } from './prompt/template.js';
import { tokenCounter } from './prompt/tokens.js';
import { DirectStreamTransport } from './stream/direct-transport.js';
import { NotificationStreamTransport } from './stream/notification-transport.js';
import type { StreamBackend } from './stream/stream-backend.js';
import type { StreamOutcome } from './stream/stream-outcome.js';
import type { ResponseStreamTransport, StreamTransportStats } from './stream/stream-transport.js';

/** Builds, sends and streams prompts to Genesys Cloud AI Assistant conversations. */
export class GenesysPromptInjector {
  readonly #config: InjectorConfig;
  readonly #options: InjectorOptions;
  readonly #logger: Logger;
  readonly #tokens: TokenProvider;
  readonly #api: GenesysApi;
  readonly #transport: ResponseStreamTransport;
  readonly #telemetry: TelemetryExporter;
  readonly #closing = new AbortController();
  /** Each injection in flight: its signal (fired by `close()`) and a promise settled when it ends. */
  readonly #inflight = new Map<InjectionSignal, Promise<void>>();
  /** `server.address` and `server.port` of the spans, from the environment. */
  readonly #server: { address: string; port: number };
  #audit: AuditLog | undefined;
  #initializing: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  /**
   * The seed's form: `new GenesysPromptInjector(environment, clientId, clientSecret)`.
   * @throws ConfigurationError naming the missing or bad setting
   */
  constructor(environment: string, clientId: string, clientSecret: string);
  /**
   * Options form; each omitted setting falls back to `GENESYS_ENVIRONMENT`, `GENESYS_CLIENT_ID`,
   * `GENESYS_CLIENT_SECRET` and `OBSERVABILITY_ENDPOINT`.
   * @throws ConfigurationError naming the missing or bad setting
   */
  constructor(options?: InjectorOptions);
  constructor(first?: string | InjectorOptions, clientId?: string, clientSecret?: string) {
    const options: InjectorOptions =
      typeof first === 'string' ? { environment: first, clientId, clientSecret } : (first ?? {});
    this.#options = options;
    this.#config = resolveInjectorConfig(options);
    const config = this.#config;
    const api = new URL(config.environment.apiBaseUrl);
    this.#server = {
      address: api.hostname,
      port: api.port === '' ? (api.protocol === 'https:' ? 443 : 80) : Number(api.port),
    };
    this.#logger = redactingLogger(options.logger ?? silentLogger, () => this.#secrets());
    this.#tokens = new TokenProvider({
      environment: config.environment,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      apiClient: options.apiClient,
      timeoutMs: config.timeoutMs,
      logger: this.#logger,
    });
    this.#api = new GenesysApi({
      tokens: this.#tokens,
      requestsPerMinute: config.requestsPerMinute,
      ...(config.requestBurst === undefined ? {} : { requestBurst: config.requestBurst }),
      retry: {
        maxRetries: config.maxRetries,
        retryNonRateLimited: config.retryNonRateLimited,
        ...options.retryDelays,
      },
      timeoutMs: config.timeoutMs,
      logger: this.#logger,
    });
    this.#transport = this.#createTransport();
    this.#telemetry = new TelemetryExporter({
      ...options.telemetryTuning,
      ...(config.observabilityEndpoint === undefined ? {} : { endpoint: config.observabilityEndpoint }),
      logger: this.#logger,
    });
  }

  /**
   * Opens the audit trail and logs in, so bad credentials fail here rather than on the first prompt.
   * Safe to call more than once; `injectPrompt` calls it when it has not been.
   * @throws AuthenticationError for refused credentials, ConfigurationError for missing ones
   */
  initialize(): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(new AbortError('the injector was closed'));
    this.#initializing ??= this.#open().catch((error: unknown) => {
      this.#initializing = undefined;
      throw error;
    });
    return this.#initializing;
  }

  /**
   * Sends one prompt and resolves with the whole answer (streamed by default).
   * @param assistantId the Genesys AI assistant
   * @param template the prompt template (see `loadTemplate`)
   * @param fewShotExamples candidates; the template's `fewShot` settings choose among them
   * @param options variables, history, signal, idempotency key, `stream: false` to poll instead
   * @throws ValidationError (nothing sent), ApiError subclasses, StreamError, TimeoutError, AbortError
   */
  async injectPrompt(
    assistantId: string,
    template: PromptTemplate,
    fewShotExamples: FewShotExample[] = [],
    options: InjectOptions = {},
  ): Promise<InjectionResult> {
    for await (const item of this.#run(assistantId, template, fewShotExamples, options, false)) {
      if (item.type === 'result') return item.result;
    }
    throw new AbortError('the injection ended without a result');
  }

  /**
   * Sends one prompt and yields the answer's chunks as they arrive, then exactly one result.
   * Breaking out of the loop, or aborting `options.signal`, stops the stream and releases its
   * subscription; the audit trail records the injection as failed with code `aborted`.
   * @param assistantId the Genesys AI assistant
   * @param template the prompt template
   * @param fewShotExamples candidates for the few-shot block
   * @param options as for `injectPrompt`
   */
  streamPrompt(
    assistantId: string,
    template: PromptTemplate,
    fewShotExamples: FewShotExample[] = [],
    options: InjectOptions = {},
  ): AsyncGenerator<StreamItem, void, undefined> {
    return this.#run(assistantId, template, fewShotExamples, options, true);
  }

  /** Counters of the stream transport (sockets, channels, reconnects), for monitoring and tests. */
  streamStats(): StreamTransportStats {
    return this.#transport.stats();
  }

  /**
   * Ends every injection in flight (they reject with `AbortError`, audited as failed), then every
   * socket, timer, subscription and keep-alive connection; flushes telemetry and the audit trail.
   * Afterwards the event loop holds nothing of this injector. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    for (const sig of this.#inflight.keys()) sig.abort();
    await Promise.allSettled([...this.#inflight.values()]);
    await this.#initializing?.catch(() => undefined);
    await this.#transport.close();
    this.#api.close();
    this.#tokens.close();
    await this.#telemetry.close();
    await this.#audit?.close();
  }

  async #open(): Promise<void> {
    if (this.#config.auditLogPath !== undefined && this.#audit === undefined) {
      this.#audit = await AuditLog.open(this.#config.auditLogPath, {
        ...(this.#config.auditHmacKey === undefined ? {} : { hmacKey: this.#config.auditHmacKey }),
      });
    }
    await this.#tokens.getAccessToken(this.#closing.signal);
  }

  async *#run(
    assistantId: string,
    template: PromptTemplate,
    examples: FewShotExample[],
    options: InjectOptions,
    wantChunks: boolean,
  ): AsyncGenerator<StreamItem, void, undefined> {
    const startedAt = performance.now();
    const sig = injectionSignal(options.signal, options.deadlineMs ?? this.#config.deadlineMs);
    if (this.#closing.signal.aborted) sig.abort();
    let done!: () => void;
    this.#inflight.set(sig, new Promise<void>((resolve) => (done = resolve)));
    const state: FailureContext = {
      assistantId,
      conversationId: null,
      hash: undefined,
      span: undefined,
      retries: 0,
    };
    let settled = false;
    try {
      await raceAbort(this.initialize(), sig.signal);
      if (typeof assistantId !== 'string' || assistantId.trim() === '') {
        throw new ValidationError('assistantId', 'is empty', 'pass the id of a Genesys AI assistant');
      }
      let prepared: PreparedPrompt | undefined = preparePrompt(template, assistantId, examples, {
        ...(options.variables === undefined ? {} : { variables: options.variables }),
        ...(options.history === undefined ? {} : { history: options.history }),
        missing: options.allowMissingVariables ? 'placeholder' : 'error',
        tokenizer: this.#config.tokenizer,
      });
      const hash = promptHash(prepared.payload);
      state.hash = hash;
      state.span = this.#startSpan(assistantId, prepared);
      const idempotencyKey = options.idempotencyKey ?? randomUUID();
      const created = await this.#api.createConversation(assistantId, prepared.payload, {
        idempotencyKey,
        signal: sig.signal,
      });
      // Only the count is needed from here on: let the prompt text go while the answer streams.
      const promptTokens = prepared.promptTokens;
      prepared = undefined;
      const conversationId = created.conversation.id;
      state.conversationId = conversationId;
      state.retries = created.retries;
      state.span.setConversationId(conversationId);
      const injectionLatencyMs = performance.now() - startedAt;

      let outcome: StreamOutcome;
      if (options.stream === false) {
        outcome = await this.#poll(assistantId, conversationId, sig);
      } else {
        const handle = this.#transport.open(assistantId, conversationId, {
          // Counting every chunk costs CPU; only a budget needs it.
          ...(options.maxResponseTokens === undefined
            ? {}
            : { budgetTokens: options.maxResponseTokens, countTokens: tokenCounter(this.#config.tokenizer) }),
          signal: sig.signal,
          collectChunks: wantChunks,
        });
        try {
          if (wantChunks) {
            for await (const chunk of handle.chunks) yield { type: 'chunk', conversationId, ...chunk };
          }
          outcome = await handle.result;
        } finally {
          handle.cancel();
        }
      }
      const result = await this.#succeed(state, outcome, {
        hash,
        promptTokens,
        idempotencyKey,
        injectionLatencyMs,
      });
      settled = true;
      yield { type: 'result', result };
    } catch (error) {
      settled = true;
      const failure = sig.signal.aborted && error instanceof AbortError ? sig.reason() : error;
      await this.#fail(state, template, failure);
      throw failure;
    } finally {
      sig.dispose();
      if (!settled)
        await this.#fail(state, template, new AbortError('the caller stopped reading the stream'));
      this.#inflight.delete(sig);
      done();
    }
  }

  async #succeed(
    state: FailureContext,
    outcome: StreamOutcome,
    extra: { hash: string; promptTokens: number; idempotencyKey: string; injectionLatencyMs: number },
  ): Promise<InjectionResult> {
    const { hash, promptTokens } = extra;
    const usage =
      outcome.truncated && outcome.usage.promptTokens === 0
        ? { ...outcome.usage, promptTokens }
        : outcome.usage;
    const audit = await this.#audit?.append({
      conversationId: outcome.conversationId,
      assistantId: state.assistantId,
      promptHash: hash,
      userId: this.#config.userId,
    });
    const result: InjectionResult = {
      conversationId: outcome.conversationId,
      response: outcome.text,
      finishReason: outcome.finishReason,
      truncated: outcome.truncated,
      usage,
      safetyPolicyTriggered: outcome.safetyPolicyTriggered,
      promptTokens,
      promptHash: hash,
      idempotencyKey: extra.idempotencyKey,
      injectionLatencyMs: extra.injectionLatencyMs,
      timeToFirstChunkMs:
        outcome.timeToFirstChunkMs === undefined
          ? undefined
          : outcome.timeToFirstChunkMs + extra.injectionLatencyMs,
      streamDurationMs: outcome.streamDurationMs,
      retries: state.retries,
      malformedFrames: outcome.malformedFrames,
      audit,
    };
    this.#telemetry.record(
      telemetryPayloadFromResult(result, {
        assistantId: state.assistantId,
        transport: this.#config.transport,
      }),
    );
    state.span?.end({
      conversationId: result.conversationId,
      finishReason: result.finishReason,
      inputTokens: usage.promptTokens,
      outputTokens: usage.completionTokens,
      ...(result.timeToFirstChunkMs === undefined ? {} : { timeToFirstChunkMs: result.timeToFirstChunkMs }),
      retries: result.retries,
      truncated: result.truncated,
    });
    return result;
  }

  /** One FAILED audit entry and a failed span; an audit write failure is logged, never masks `error`. */
  async #fail(state: FailureContext, template: unknown, error: unknown): Promise<void> {
    state.span?.fail(error, { retries: state.retries });
    if (this.#audit === undefined) return;
    const code = error instanceof GenesysPromptError ? error.code : 'internal.error';
    try {
      await this.#audit.append({
        conversationId: state.conversationId,
        assistantId:
          typeof state.assistantId === 'string' && state.assistantId !== '' ? state.assistantId : '-',
        promptHash: state.hash ?? inputHash(state.assistantId, template),
        userId: this.#config.userId,
        complianceStatus: 'FAILED',
        errorCode: code,
      });
    } catch (auditError) {
      this.#logger.error(
        { err: errorSummary(auditError) },
        'audit entry for a failed injection could not be written',
      );
    }
  }

  /** `stream: false`: reads the conversation (4.4) until it completes. */
  async #poll(assistantId: string, conversationId: string, sig: InjectionSignal): Promise<StreamOutcome> {
    const started = performance.now();
    let reads = 0;
    let firstTextAt: number | undefined;
    for (;;) {
      const conversation: Conversation = await this.#api.getConversation(assistantId, conversationId, {
        signal: sig.signal,
      });
      reads++;
      if (firstTextAt === undefined && conversation.response.text !== '') firstTextAt = performance.now();
      if (conversation.status === 'failed') {
        throw new StreamError('the assistant failed to answer; retry the injection', {
          code: 'conversation.failed',
          conversationId,
        });
      }
      if (conversation.status === 'completed') {
        const end = performance.now();
        return {
          conversationId,
          text: conversation.response.text,
          finishReason: conversation.response.finishReason ?? 'stop',
          truncated: false,
          usage: conversation.usage,
          safetyPolicyTriggered: conversation.safetyPolicyTriggered,
          malformedFrames: 0,
          duplicates: 0,
          reconnects: 0,
          reads,
          timeToFirstChunkMs: firstTextAt === undefined ? undefined : firstTextAt - started,
          streamDurationMs: firstTextAt === undefined ? 0 : end - firstTextAt,
        };
      }
      await abortableSleep(this.#config.pollIntervalMs, sig.signal);
    }
  }

  #startSpan(assistantId: string, prepared: PreparedPrompt): InjectionSpan {
    return startInjectionSpan(
      {
        assistantId,
        maxTokens: prepared.payload.settings.maxTokens,
        temperature: prepared.payload.settings.temperature,
        serverAddress: this.#server.address,
        serverPort: this.#server.port,
        transport: this.#config.transport,
      },
      this.#options.openTelemetry ?? {},
    );
  }

  #createTransport(): ResponseStreamTransport {
    const tokens = this.#tokens;
    const api = this.#api;
    const backend: StreamBackend = {
      socketBaseUrl: this.#config.environment.socketBaseUrl,
      getAccessToken: (signal) => tokens.getAccessToken(signal),
      invalidateToken: (token) => tokens.invalidate(token),
      createChannel: (signal) => api.createChannel({ signal }),
      addSubscriptions: async (channelId, topics, signal) => {
        await api.addSubscriptions(channelId, topics, { signal });
      },
      replaceSubscriptions: async (channelId, topics, signal) => {
        await api.replaceSubscriptions(channelId, topics, { signal });
      },
      getConversation: (assistantId, conversationId, signal) =>
        api.getConversation(assistantId, conversationId, { signal }),
    };
    const tuning = this.#options.streamTuning ?? {};
    const common = {
      backend,
      logger: this.#logger,
      ...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
      ...(tuning.idleReadMs === undefined ? {} : { idleReadMs: tuning.idleReadMs }),
    };
    if (this.#config.transport === 'direct') {
      return new DirectStreamTransport({
        ...common,
        ...(tuning.pingIntervalMs === undefined ? {} : { pingIntervalMs: tuning.pingIntervalMs }),
      });
    }
    return new NotificationStreamTransport({
      ...common,
      ...(tuning.heartbeatIntervalMs === undefined
        ? {}
        : { heartbeatIntervalMs: tuning.heartbeatIntervalMs }),
      ...(tuning.subscribeCoalesceMs === undefined
        ? {}
        : { subscribeCoalesceMs: tuning.subscribeCoalesceMs }),
    });
  }

  #secrets(): string[] {
    const secrets: string[] = [];
    if (this.#config.clientSecret) secrets.push(this.#config.clientSecret);
    // Called from the logger, possibly before the token provider exists.
    const token = (this.#tokens as TokenProvider | undefined)?.heldToken;
    if (token) secrets.push(token);
    return secrets;
  }
}

/** What a failure's audit entry and span need, filled in as the injection proceeds. */
interface FailureContext {
  assistantId: string;
  conversationId: string | null;
  hash: string | undefined;
  span: InjectionSpan | undefined;
  retries: number;
}

/** A hash identifying a prompt that failed before its payload existed (validation, login). */
function inputHash(assistantId: unknown, template: unknown): string {
  try {
    return promptHash({ assistantId: assistantId ?? null, template: template ?? null });
  } catch {
    return sha256Hex(String(assistantId));
  }
}

function errorSummary(error: unknown): { name: string; code?: string } {
  if (error instanceof GenesysPromptError) return { name: error.name, code: error.code };
  return { name: error instanceof Error ? error.name : 'unknown' };
}
