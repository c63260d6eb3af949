/**
 * The flags `inject` and `batch` share, and the injector they configure.
 */
import type { Command } from 'commander';
import { GenesysPromptInjector } from '../injector.js';
import type { InjectorOptions, StreamTransport, TokenizerName } from '../injector-options.js';
import type { Target } from './target.js';

/** Default audit trail of the CLI, in the working directory. */
export const DEFAULT_AUDIT_FILE = 'genesys-prompt-audit.jsonl';

/** Parsed shared flags. */
export interface InjectorFlags {
  audit: string | false;
  auditHmacKey?: string;
  transport: StreamTransport;
  tokenizer: TokenizerName;
  userId?: string;
}

/** Parses a non-negative integer flag value. */
export function integerFlag(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`"${value}" is not a whole number`);
  return n;
}

/** Adds the shared flags to `command`. */
export function addInjectorFlags(command: Command): Command {
  return command
    .option('--audit <file>', 'audit trail (JSON lines, hash-chained)', DEFAULT_AUDIT_FILE)
    .option('--no-audit', 'do not keep an audit trail')
    .option('--audit-hmac-key <key>', 'HMAC key of the audit chain (default GENESYS_AUDIT_HMAC_KEY)')
    .option(
      '--transport <kind>',
      'notifications (Genesys notification service) or direct (one socket)',
      'notifications',
    )
    .option('--tokenizer <name>', 'o200k_base, cl100k_base or heuristic', 'o200k_base')
    .option('--user-id <id>', 'user recorded in the audit trail', undefined);
}

/** Pacing options a command sets on its injector. */
export type SharedPacingOptions = Pick<
  InjectorOptions,
  'requestsPerMinute' | 'requestBurst' | 'rateLimitStore' | 'rateLimitScope' | 'rateLimitOrganization'
>;

/** The injector for `target` with the shared flags. */
export function createInjector(
  target: Target,
  flags: InjectorFlags,
  extra: SharedPacingOptions = {},
): GenesysPromptInjector {
  const hmacKey = flags.auditHmacKey ?? process.env.GENESYS_AUDIT_HMAC_KEY;
  // GENESYS_RATE_LIMIT_REDIS: every CLI injector paces through the shared store it names.
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
    ...extra,
    ...(rateLimitStore === undefined ? {} : { rateLimitStore }),
  });
}
