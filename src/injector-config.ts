/**
 * Turns the constructor's arguments (positional or options) and the seed's environment variables into
 * one resolved configuration, checking each value so a bad one fails at construction with the field
 * and the fix.
 */
import { resolveEnvironment, type ResolvedEnvironment } from './auth/environment.js';
import { ConfigurationError } from './errors.js';
import type { InjectorOptions, StreamTransport, TokenizerName } from './injector-options.js';

/** The environment when neither the option nor `GENESYS_ENVIRONMENT` gives one (the seed's default). */
export const DEFAULT_ENVIRONMENT = 'mypurecloud.com';
/** Recorded in audit entries when no `userId` is given (the seed's value). */
export const DEFAULT_USER_ID = 'system-automation';

/** The configuration an injector runs with. */
export interface InjectorConfig {
  environment: ResolvedEnvironment;
  clientId: string | undefined;
  clientSecret: string | undefined;
  transport: StreamTransport;
  tokenizer: TokenizerName;
  userId: string;
  maxRetries: number;
  retryNonRateLimited: boolean;
  requestsPerMinute: number;
  requestBurst: number | undefined;
  timeoutMs: number;
  deadlineMs: number;
  pollIntervalMs: number;
  auditLogPath: string | undefined;
  auditHmacKey: string | undefined;
  observabilityEndpoint: string | undefined;
}

const TRANSPORTS: readonly StreamTransport[] = ['notifications', 'direct'];
const TOKENIZERS: readonly TokenizerName[] = ['o200k_base', 'cl100k_base', 'heuristic'];

function nonNegativeInteger(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(
      field,
      `must be a non-negative integer (got ${String(value)})`,
      `set ${field} to 0 or more`,
    );
  }
  return value;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigurationError(
      field,
      `must be a whole number of 1 or more (got ${String(value)})`,
      `set ${field} to 1 or more`,
    );
  }
  return value;
}

function positiveNumber(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value > 0)) {
    throw new ConfigurationError(
      field,
      `must be a positive number (got ${String(value)})`,
      `set ${field} to a number above 0`,
    );
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
  return {
    environment: resolveEnvironment(environmentSetting, { allowInsecure: options.allowInsecure ?? false }),
    clientId: options.clientId ?? env.GENESYS_CLIENT_ID,
    clientSecret: options.clientSecret ?? env.GENESYS_CLIENT_SECRET,
    transport: oneOf('transport', options.transport, TRANSPORTS, 'notifications'),
    tokenizer: oneOf('tokenizer', options.tokenizer, TOKENIZERS, 'o200k_base'),
    userId: options.userId ?? DEFAULT_USER_ID,
    maxRetries: nonNegativeInteger('maxRetries', options.maxRetries, 5),
    retryNonRateLimited: options.retryNonRateLimited ?? true,
    requestsPerMinute: nonNegativeInteger('requestsPerMinute', options.requestsPerMinute, 300),
    requestBurst:
      options.requestBurst === undefined ? undefined : positiveInteger('requestBurst', options.requestBurst),
    timeoutMs: positiveNumber('timeoutMs', options.timeoutMs, 30_000),
    deadlineMs: positiveNumber('deadlineMs', options.deadlineMs, 120_000),
    pollIntervalMs: positiveNumber('pollIntervalMs', options.pollIntervalMs, 500),
    auditLogPath: options.auditLogPath,
    auditHmacKey: options.auditHmacKey,
    observabilityEndpoint: options.observabilityEndpoint ?? (env.OBSERVABILITY_ENDPOINT || undefined),
  };
}
