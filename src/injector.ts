/**
 * GenesysPromptInjector: the one place that composes the prompt pipeline, OAuth, REST, the response
 * backends, audit and telemetry. Each injection: prepare the payload (nothing is sent when it is
 * invalid), hand it to its backend, pass the answer on, and record the outcome — success or failure —
 * once.
 */
import { randomUUID } from 'node:crypto';
import { TokenProvider } from './auth/token-provider.js';
import { AbortError, ValidationError } from './errors.js';
import { GenesysApi } from './http/genesys-api.js';
import { raceAbort } from './http/race-abort.js';
import { sharedRateLimiter } from './http/rate-limiter.js';
import { injectionSignal, type InjectionSignal } from './injection-signal.js';
import { BackendPool } from './injector-backend-pool.js';
import { RESPONSE_BACKENDS } from './injector-backends.js';
import { resolveInjectorConfig, type InjectorConfig } from './injector-config.js';
import { conversationApi } from './injector-conversation-api.js';
import type { InjectOptions, InjectionResult, InjectorOptions, StreamItem } from './injector-options.js';
import { InjectionRecorder, type InjectionRecord } from './injector-recorder.js';
import { silentLogger, type Logger } from './logger.js';
import { AuditLog } from './observe/audit-log.js';
import type { AuditSink } from './observe/audit-sink.js';
import { redactingLogger } from './observe/redacting-logger.js';
import { TelemetryExporter } from './observe/telemetry-exporter.js';
import type { FewShotExample } from './prompt/few-shot.js';
import { preparePrompt, type PreparedPrompt } from './prompt/prepare-prompt.js';
import type { PromptTemplate } from './prompt/template.js';
import { tokenCounter } from './prompt/tokens.js';
import type { ResponseOutcome, ResponseRequest } from './stream/response-backend.js';
import type { StreamTransportStats } from './stream/stream-transport.js';

/** Builds, sends and streams prompts to Genesys Cloud AI Assistant conversations. */
export class GenesysPromptInjector {
  readonly #config: InjectorConfig;
  readonly #logger: Logger;
  readonly #tokens: TokenProvider;
  readonly #api: GenesysApi;
  readonly #backends: BackendPool;
  readonly #telemetry: TelemetryExporter;
  readonly #recorder: InjectionRecorder;
  readonly #closing = new AbortController();
  /** Each injection in flight: its signal (fired by `close()`) and a promise settled when it ends. */
  readonly #inflight = new Map<InjectionSignal, Promise<void>>();
  /** The audit sink: the caller's, or the file this injector opens (and closes). */
  #audit: AuditSink | undefined;
  #ownsAudit = false;
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
    const config = (this.#config = resolveInjectorConfig(options));
    this.#logger = redactingLogger(options.logger ?? silentLogger, () => this.#secrets());
    this.#audit = options.auditSink;
    this.#tokens = new TokenProvider({
      environment: config.environment,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      apiClient: options.apiClient,
      timeoutMs: config.timeoutMs,
      logger: this.#logger,
    });
    const pacerFor = options.rateLimiter ?? sharedRateLimiter;
    this.#api = new GenesysApi({
      tokens: this.#tokens,
      pacer: pacerFor({
        apiBaseUrl: config.environment.apiBaseUrl,
        clientId: this.#tokens.clientId,
        requestsPerMinute: config.requestsPerMinute,
        requestBurst: config.requestBurst,
      }),
      retry: {
        maxRetries: config.maxRetries,
        retryNonRateLimited: config.retryNonRateLimited,
        ...options.retryDelays,
      },
      timeoutMs: config.timeoutMs,
      logger: this.#logger,
    });
    this.#backends = new BackendPool(
      {
        rest: this.#api,
        conversations: conversationApi(this.#api, this.#tokens, config.environment.socketBaseUrl),
        logger: this.#logger,
        tuning: options.streamTuning ?? {},
        pollIntervalMs: config.pollIntervalMs,
      },
      RESPONSE_BACKENDS,
      config.backend,
    );
    this.#telemetry = new TelemetryExporter({
      ...options.telemetryTuning,
      ...(config.observabilityEndpoint === undefined ? {} : { endpoint: config.observabilityEndpoint }),
      logger: this.#logger,
    });
    this.#recorder = new InjectionRecorder({
      audit: () => this.#audit,
      telemetry: this.#telemetry,
      logger: this.#logger,
      userId: config.userId,
      server: serverOf(config.environment.apiBaseUrl),
      openTelemetry: options.openTelemetry ?? {},
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

  /** Counters of the default backend's sockets (channels, reconnects), for monitoring and tests. */
  streamStats(): StreamTransportStats {
    return this.#backends.stats();
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
    await this.#backends.close();
    await this.#api.close();
    this.#tokens.close();
    await this.#telemetry.close();
    if (this.#ownsAudit) await this.#audit?.close();
  }

  async #open(): Promise<void> {
    if (this.#config.auditLogPath !== undefined && this.#audit === undefined) {
      this.#audit = await AuditLog.open(this.#config.auditLogPath, {
        ...(this.#config.auditHmacKey === undefined ? {} : { hmacKey: this.#config.auditHmacKey }),
      });
      this.#ownsAudit = true;
    }
    await this.#tokens.getAccessToken(this.#closing.signal);
  }

  /** One injection, from its signal to its record; yields chunks only when `wantChunks`. */
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
    let record: InjectionRecord | undefined;
    let settled = false;
    try {
      const { label, backend } = this.#backends.select(options);
      record = this.#recorder.begin(assistantId, template, label);
      await raceAbort(this.initialize(), sig.signal);
      if (typeof assistantId !== 'string' || assistantId.trim() === '') {
        throw new ValidationError('assistantId', 'is empty', 'pass the id of a Genesys AI assistant');
      }
      const request = this.#prepare(record, assistantId, template, examples, options, sig.signal, wantChunks);
      const { idempotencyKey, promptTokens } = request;
      let injectionLatencyMs = 0;
      let conversationId = '';
      const answer = backend.respond(request);
      let outcome: ResponseOutcome | undefined;
      try {
        for (let step = await answer.next(); ; step = await answer.next()) {
          if (step.done) {
            outcome = step.value;
            break;
          }
          const event = step.value;
          if (event.type === 'accepted') {
            conversationId = event.conversationId;
            record.accepted(conversationId, event.retries);
            injectionLatencyMs = performance.now() - startedAt;
          } else {
            yield { type: 'chunk', conversationId, sequence: event.sequence, content: event.content };
          }
        }
      } finally {
        // The consumer stopped early: let the backend release its subscription.
        if (outcome === undefined) await answer.return(undefined as never);
      }
      const result = await record.succeed(outcome, { promptTokens, idempotencyKey, injectionLatencyMs });
      settled = true;
      yield { type: 'result', result };
    } catch (error) {
      settled = true;
      const failure = sig.signal.aborted && error instanceof AbortError ? sig.reason() : error;
      await (record ?? this.#recorder.begin(assistantId, template, this.#config.backend)).fail(failure);
      throw failure;
    } finally {
      sig.dispose();
      if (!settled) await record?.fail(new AbortError('the caller stopped reading the stream'));
      this.#inflight.delete(sig);
      done();
    }
  }

  /**
   * Prepares the prompt (nothing is sent when it is invalid) and returns the backend's view of the
   * injection. Only the request holds the payload, and it hands it over once.
   */
  #prepare(
    record: InjectionRecord,
    assistantId: string,
    template: PromptTemplate,
    examples: FewShotExample[],
    options: InjectOptions,
    signal: AbortSignal,
    collectChunks: boolean,
  ): ResponseRequest {
    const prepared = preparePrompt(template, assistantId, examples, {
      ...(options.variables === undefined ? {} : { variables: options.variables }),
      ...(options.history === undefined ? {} : { history: options.history }),
      missing: options.allowMissingVariables ? 'placeholder' : 'error',
      tokenizer: this.#config.tokenizer,
    });
    record.prepared(prepared);
    let payload: PreparedPrompt['payload'] | undefined = prepared.payload;
    return {
      targetId: assistantId,
      template,
      options,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      promptTokens: prepared.promptTokens,
      takePayload: () => {
        if (payload === undefined) throw new Error('the payload was already taken');
        const taken = payload;
        payload = undefined;
        return taken;
      },
      signal,
      collectChunks,
      // Counting every chunk costs CPU; only a budget needs it.
      ...(options.maxResponseTokens === undefined
        ? {}
        : { budgetTokens: options.maxResponseTokens, countTokens: tokenCounter(this.#config.tokenizer) }),
    };
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

/** `server.address` and `server.port` of the spans, from the REST origin. */
function serverOf(apiBaseUrl: string): { address: string; port: number } {
  const url = new URL(apiBaseUrl);
  return {
    address: url.hostname,
    port: url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port),
  };
}
