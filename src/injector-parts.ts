/**
 * The parts one injector is made of — token provider, REST client with its pacer, response backends,
 * telemetry exporter, audit sink, recorder — built from the resolved configuration, opened (audit
 * trail, login) and closed in dependency order.
 */
import { TokenProvider } from './auth/token-provider.js';
import { GenesysApi } from './http/genesys-api.js';
import { RequestPipeline } from './http/request-pipeline.js';
import { redisRequestPacers } from './fleet/redis-pacer-factory.js';
import { sharedRateLimiter } from './http/rate-limiter.js';
import { BackendPool } from './injector-backend-pool.js';
import { RESPONSE_BACKENDS } from './injector-backends.js';
import type { InjectorConfig } from './injector-config.js';
import { conversationApi } from './injector-conversation-api.js';
import type { InjectorOptions } from './injector-options.js';
import { InjectionRecorder } from './injector-recorder.js';
import { silentLogger, type Logger } from './logger.js';
import { CheckpointPublisher } from './observe/audit-checkpoint-publisher.js';
import { auditTargetName, openAuditSink } from './observe/audit-open-sink.js';
import type { AuditSink } from './observe/audit-sink.js';
import { redactingLogger } from './observe/redacting-logger.js';
import { TelemetryExporter } from './observe/telemetry-exporter.js';

/** Everything an injector composes, and their order of opening and closing. */
export class InjectorParts {
  /** The caller's logger behind secret redaction (silent when none). */
  readonly logger: Logger;
  readonly tokens: TokenProvider;
  /** The REST request pipeline (pacing, retries, re-login, typed errors). */
  readonly rest: RequestPipeline;
  readonly backends: BackendPool;
  readonly telemetry: TelemetryExporter;
  readonly recorder: InjectionRecorder;
  readonly #config: InjectorConfig;
  /** The caller's sink, or the file trail `open` opens (and `close` closes). */
  #audit: AuditSink | undefined;
  #ownsAudit = false;
  /** Sends the checkpoints of the trail `open` opens to the telemetry endpoint, when there is one. */
  #checkpoints: CheckpointPublisher | undefined;
  readonly #options: InjectorOptions;

  /**
   * @param options the constructor's options (for the parts' own settings)
   * @param config the same options, resolved and checked
   */
  constructor(options: InjectorOptions, config: InjectorConfig) {
    this.#config = config;
    this.#options = options;
    this.#audit = options.auditSink;
    const logger = (this.logger = redactingLogger(options.logger ?? silentLogger, () => this.#secrets()));
    const tokens = (this.tokens = new TokenProvider({
      environment: config.environment,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      apiClient: options.apiClient,
      timeoutMs: config.timeoutMs,
      maxResponseBodyBytes: config.limits.maxResponseBodyBytes,
      maxSockets: config.maxSockets,
      logger,
    }));
    const pacerFor =
      options.rateLimiter ??
      (config.rateLimitStore === undefined
        ? sharedRateLimiter
        : redisRequestPacers({
            store: config.rateLimitStore.url,
            scope: config.rateLimitScope,
            ...(config.rateLimitOrganization === undefined
              ? {}
              : { organization: config.rateLimitOrganization }),
            logger,
          }));
    const rest = (this.rest = new RequestPipeline({
      tokens,
      pacer: pacerFor({
        apiBaseUrl: config.environment.apiBaseUrl,
        clientId: tokens.clientId,
        requestsPerMinute: config.requestsPerMinute,
        requestBurst: config.requestBurst,
      }),
      retry: {
        maxRetries: config.maxRetries,
        retryNonRateLimited: config.retryNonRateLimited,
        maxRetryAfterMs: config.maxRetryAfterMs,
        ...options.retryDelays,
      },
      timeoutMs: config.timeoutMs,
      logger,
    }));
    const api = new GenesysApi(rest);
    this.backends = new BackendPool(
      {
        rest,
        conversations: conversationApi(api, tokens, config.environment.socketBaseUrl),
        logger,
        tuning: options.streamTuning ?? {},
        limits: config.limits,
        pollIntervalMs: config.pollIntervalMs,
      },
      RESPONSE_BACKENDS,
      config.backend,
    );
    this.telemetry = new TelemetryExporter({
      ...options.telemetryTuning,
      ...(config.observabilityEndpoint === undefined ? {} : { endpoint: config.observabilityEndpoint }),
      logger,
    });
    this.recorder = new InjectionRecorder({
      audit: () => this.#audit,
      telemetry: this.telemetry,
      logger,
      userId: config.userId,
      server: serverOf(config.environment.apiBaseUrl),
      openTelemetry: options.openTelemetry ?? {},
    });
  }

  /**
   * Opens the audit file (when configured) and logs in.
   * @param signal gives up the login
   */
  async open(signal: AbortSignal): Promise<void> {
    const target = this.#config.auditLogPath;
    if (target !== undefined && this.#audit === undefined) {
      const { auditHmacKey, auditSigningKey, auditSigningKeyFile, observabilityEndpoint } = this.#config;
      if (observabilityEndpoint !== undefined) {
        const fetch = this.#options.telemetryTuning?.fetch;
        this.#checkpoints = new CheckpointPublisher({
          endpoint: observabilityEndpoint,
          trail: auditTargetName(target),
          ...(fetch === undefined ? {} : { fetch }),
        });
      }
      this.#audit = await openAuditSink(target, {
        ...this.#options.auditTuning,
        ...(auditHmacKey === undefined ? {} : { hmacKey: auditHmacKey }),
        ...(auditSigningKey === undefined ? {} : { signingKey: auditSigningKey }),
        ...(auditSigningKeyFile === undefined ? {} : { signingKeyFile: auditSigningKeyFile }),
        ...(this.#checkpoints === undefined ? {} : { onCheckpoint: this.#checkpoints.publish }),
      });
      this.#ownsAudit = true;
    }
    await this.tokens.getAccessToken(signal);
  }

  /** Closes sockets, then REST and login, then flushes telemetry and the audit file it opened. */
  async close(): Promise<void> {
    await this.backends.close();
    await this.rest.close();
    this.tokens.close();
    await this.telemetry.close();
    if (this.#ownsAudit) await this.#audit?.close();
    await this.#checkpoints?.drain();
  }

  /** What the logger must never print: the client secret and the token held now. */
  #secrets(): string[] {
    const secrets: string[] = [];
    if (this.#config.clientSecret) secrets.push(this.#config.clientSecret);
    // Called from the logger, possibly before the token provider exists.
    const token = (this.tokens as TokenProvider | undefined)?.heldToken;
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
