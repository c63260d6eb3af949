import type { KeyObject } from 'node:crypto';
/**
 * Turns the constructor's arguments (positional or options) and the original design's environment variables into
 * one resolved configuration, checking each value so a bad one fails at construction with the field
 * and the fix.
 */
import { resolveEnvironment, type ResolvedEnvironment } from './environment/resolve-environment.js';
import { ConfigurationError } from './errors.js';
import { RATE_LIMIT_SCOPES, type RateLimitScope } from './fleet/pacing-scope.js';
import { parseRedisStoreAddress, type RedisStoreAddress } from './fleet/redis-store-address.js';
import { BACKEND_NAMES } from './injector-backends.js';
import type { InjectorOptions, StreamTransport, TokenizerName } from './injector-options.js';
import { resolveResponseLimits, type ResolvedResponseLimits } from './limits.js';
import { DEFAULT_MAX_SOCKETS } from './sdk/keep-alive-http-client.js';
import { STREAM_TRANSPORTS } from './stream/stream-transport.js';
import { checkDurationMs } from './timers/timer-delay.js';

/** The environment when neither the option nor `GENESYS_ENVIRONMENT` gives one (the original design's default). */
export const DEFAULT_ENVIRONMENT = 'mypurecloud.com';
/** Recorded in audit entries when no `userId` is given (the original design's value). */
export const DEFAULT_USER_ID = 'system-automation';
/** The longest `Retry-After` waited out before a 429 fails as `RateLimitError` (default 60 s). */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** The configuration an injector runs with. */
export interface InjectorConfig {
  environment: ResolvedEnvironment;
  clientId: string | undefined;
  clientSecret: string | undefined;
  transport: StreamTransport;
  /** The backend of calls that name none. */
  backend: string;
  tokenizer: TokenizerName;
  userId: string;
  maxRetries: number;
  retryNonRateLimited: boolean;
  requestsPerMinute: number;
  requestBurst: number | undefined;
  /** The shared pacing store, when one is named. */
  rateLimitStore: RedisStoreAddress | undefined;
  rateLimitScope: RateLimitScope;
  rateLimitOrganization: string | undefined;
  timeoutMs: number;
  /** Keep-alive connections per origin for REST calls and the login. */
  maxSockets: number;
  deadlineMs: number;
  pollIntervalMs: number;
  maxRetryAfterMs: number;
  limits: ResolvedResponseLimits;
  auditLogPath: string | undefined;
  auditHmacKey: string | undefined;
  /** The checkpoint signing key, from the options or `GENESYS_AUDIT_SIGNING_KEY(_FILE)`. */
  auditSigningKey: KeyObject | string | undefined;
  auditSigningKeyFile: string | undefined;
  observabilityEndpoint: string | undefined;
}

const TOKENIZERS: readonly TokenizerName[] = ['o200k_base', 'cl100k_base', 'heuristic'];

/** What a numeric option must be, and how to say so. */
interface NumberRule {
  accepts(value: number): boolean;
  problem: string;
  fix: string;
}

const NON_NEGATIVE_INTEGER: NumberRule = {
  accepts: (n) => Number.isInteger(n) && n >= 0,
  problem: 'must be a non-negative integer',
  fix: 'to 0 or more',
};
const POSITIVE_INTEGER: NumberRule = {
  accepts: (n) => Number.isInteger(n) && n >= 1,
  problem: 'must be a whole number of 1 or more',
  fix: 'to 1 or more',
};

/** `value` checked against `rule`, or `fallback` when it is not set. */
function numberOption<F extends number | undefined>(
  field: string,
  value: number | undefined,
  rule: NumberRule,
  fallback: F,
): number | F {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && rule.accepts(value))) {
    throw new ConfigurationError(field, `${rule.problem} (got ${String(value)})`, `set ${field} ${rule.fix}`);
  }
  return value;
}

function oneOf<T extends string>(field: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new ConfigurationError(
      field,
      `unknown value "${String(value)}"`,
      `use one of ${allowed.join(', ')}`,
    );
  }
  return value;
}

/**
 * Resolves the options over the environment variables `GENESYS_CLIENT_ID`, `GENESYS_CLIENT_SECRET`,
 * `GENESYS_ENVIRONMENT` and `OBSERVABILITY_ENDPOINT`.
 * @param options the constructor's options
 * @param env the process environment (injectable for tests)
 * @throws ConfigurationError naming the bad option
 */
export function resolveInjectorConfig(
  options: InjectorOptions,
  env: NodeJS.ProcessEnv = process.env,
): InjectorConfig {
  const environmentSetting = options.environment ?? env.GENESYS_ENVIRONMENT ?? DEFAULT_ENVIRONMENT;
  if (options.auditLogPath !== undefined && options.auditSink !== undefined) {
    throw new ConfigurationError(
      'auditSink',
      'is given together with auditLogPath',
      'pass one of them: auditLogPath for the file trail, auditSink for another store',
    );
  }
  const transport = oneOf('transport', options.transport, STREAM_TRANSPORTS, 'notifications');
  const pacing = resolveSharedPacing(options);
  checkDurations(options);
  return {
    environment: resolveEnvironment(environmentSetting, { allowInsecure: options.allowInsecure ?? false }),
    clientId: options.clientId ?? env.GENESYS_CLIENT_ID,
    clientSecret: options.clientSecret ?? env.GENESYS_CLIENT_SECRET,
    transport,
    backend: oneOf('backend', options.backend, BACKEND_NAMES, transport),
    tokenizer: oneOf('tokenizer', options.tokenizer, TOKENIZERS, 'o200k_base'),
    userId: options.userId ?? DEFAULT_USER_ID,
    maxRetries: numberOption('maxRetries', options.maxRetries, NON_NEGATIVE_INTEGER, 5),
    retryNonRateLimited: options.retryNonRateLimited ?? true,
    requestsPerMinute: numberOption(
      'requestsPerMinute',
      options.requestsPerMinute,
      NON_NEGATIVE_INTEGER,
      300,
    ),
    requestBurst: numberOption('requestBurst', options.requestBurst, POSITIVE_INTEGER, undefined),
    ...pacing,
    timeoutMs: checkDurationMs('timeoutMs', options.timeoutMs) ?? 30_000,
    maxSockets: numberOption('maxSockets', options.maxSockets, POSITIVE_INTEGER, DEFAULT_MAX_SOCKETS),
    deadlineMs: checkDurationMs('deadlineMs', options.deadlineMs) ?? 120_000,
    pollIntervalMs: checkDurationMs('pollIntervalMs', options.pollIntervalMs) ?? 500,
    maxRetryAfterMs:
      checkDurationMs('maxRetryAfterMs', options.maxRetryAfterMs, true) ?? DEFAULT_MAX_RETRY_AFTER_MS,
    limits: resolveResponseLimits(options.limits),
    auditLogPath: options.auditLogPath,
    auditHmacKey: options.auditHmacKey,
    ...auditSigningKey(options, env),
    observabilityEndpoint: options.observabilityEndpoint ?? (env.OBSERVABILITY_ENDPOINT || undefined),
  };
}

/** The checkpoint signing key: an option wins over the environment; a key file over key text. */
function auditSigningKey(
  options: InjectorOptions,
  env: NodeJS.ProcessEnv,
): Pick<InjectorConfig, 'auditSigningKey' | 'auditSigningKeyFile'> {
  if (options.auditSigningKey !== undefined || options.auditSigningKeyFile !== undefined) {
    return { auditSigningKey: options.auditSigningKey, auditSigningKeyFile: options.auditSigningKeyFile };
  }
  const file = env.GENESYS_AUDIT_SIGNING_KEY_FILE || undefined;
  return {
    auditSigningKey: file ? undefined : env.GENESYS_AUDIT_SIGNING_KEY || undefined,
    auditSigningKeyFile: file,
  };
}

/** The shared pacing options, checked: a redis:// store, a known scope, an organisation's name when needed. */
function resolveSharedPacing(
  options: InjectorOptions,
): Pick<InjectorConfig, 'rateLimitStore' | 'rateLimitScope' | 'rateLimitOrganization'> {
  const scope = oneOf('rateLimitScope', options.rateLimitScope, RATE_LIMIT_SCOPES, 'client');
  const organization = options.rateLimitOrganization?.trim() || undefined;
  if (options.rateLimitStore === undefined) {
    return { rateLimitStore: undefined, rateLimitScope: scope, rateLimitOrganization: organization };
  }
  if (options.rateLimiter !== undefined) {
    throw new ConfigurationError(
      'rateLimitStore',
      'is given together with rateLimiter',
      'pass one of them: rateLimitStore for pacing shared through Redis, rateLimiter for your own pacer',
    );
  }
  if (scope === 'organization' && organization === undefined) {
    throw new ConfigurationError(
      'rateLimitOrganization',
      "is required with rateLimitScope 'organization'",
      'name the organisation (the same name in every process that shares its budget)',
    );
  }
  return {
    rateLimitStore: parseRedisStoreAddress('rateLimitStore', options.rateLimitStore),
    rateLimitScope: scope,
    rateLimitOrganization: organization,
  };
}

/** Every other duration option, checked so none can overflow a timer. */
function checkDurations(options: InjectorOptions): void {
  const { retryDelays, streamTuning } = options;
  checkDurationMs('retryDelays.baseDelayMs', retryDelays?.baseDelayMs);
  checkDurationMs('retryDelays.maxDelayMs', retryDelays?.maxDelayMs);
  checkDurationMs('streamTuning.heartbeatIntervalMs', streamTuning?.heartbeatIntervalMs);
  checkDurationMs('streamTuning.pingIntervalMs', streamTuning?.pingIntervalMs);
  checkDurationMs('streamTuning.idleReadMs', streamTuning?.idleReadMs);
  checkDurationMs('streamTuning.backoff.baseMs', streamTuning?.backoff?.baseMs);
  checkDurationMs('streamTuning.backoff.maxMs', streamTuning?.backoff?.maxMs);
  // 0 is a real choice here: no coalescing wait.
  if (streamTuning?.subscribeCoalesceMs !== 0) {
    checkDurationMs('streamTuning.subscribeCoalesceMs', streamTuning?.subscribeCoalesceMs);
  }
}
