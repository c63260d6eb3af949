/**
 * The injector the shared flags describe (loaded by a command's action only: it pulls in the SDK).
 */
import { GenesysPromptInjector } from '../injector.js';
import type { InjectorOptions } from '../injector-options.js';
import { hmacKeyFrom } from './audit-key-source.js';
import type { InjectorFlags } from './injector-flags.js';
import type { Target } from './target.js';

/** Pacing options a command sets on its injector beyond the shared flags. */
export type SharedPacingOptions = Pick<
  InjectorOptions,
  'requestsPerMinute' | 'requestBurst' | 'rateLimitStore' | 'rateLimitScope' | 'rateLimitOrganization'
>;

/**
 * The injector for `target` with the shared flags. `GENESYS_RATE_LIMIT_REDIS`, when set, names the
 * shared store every CLI injector paces through; the audit HMAC key comes from `--audit-hmac-key-file`
 * or `GENESYS_AUDIT_HMAC_KEY`.
 * @throws ValidationError when the key file cannot be read
 */
export function createInjector(
  target: Target,
  flags: InjectorFlags,
  extra: SharedPacingOptions = {},
): GenesysPromptInjector {
  const hmacKey = hmacKeyFrom(flags.auditHmacKeyFile, '--audit-hmac-key-file');
  const rateLimitStore = extra.rateLimitStore ?? (process.env.GENESYS_RATE_LIMIT_REDIS || undefined);
  return new GenesysPromptInjector({
    environment: target.environment,
    clientId: target.clientId,
    clientSecret: target.clientSecret,
    transport: flags.transport,
    tokenizer: flags.tokenizer,
    ...(flags.audit === false ? {} : { auditLogPath: flags.audit }),
    ...(hmacKey ? { auditHmacKey: hmacKey } : {}),
    ...(flags.userId === undefined ? {} : { userId: flags.userId }),
    ...(flags.allowInsecure ? { allowInsecure: true } : {}),
    ...(flags.maxRetries === undefined ? {} : { maxRetries: flags.maxRetries }),
    ...(flags.rpm === undefined ? {} : { requestsPerMinute: flags.rpm }),
    ...(flags.timeout === undefined ? {} : { timeoutMs: flags.timeout }),
    ...(flags.deadline === undefined ? {} : { deadlineMs: flags.deadline }),
    ...(flags.maxRetryAfter === undefined ? {} : { maxRetryAfterMs: flags.maxRetryAfter }),
    ...(flags.limit === undefined ? {} : { limits: flags.limit }),
    ...extra,
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
  });
}
