/**
 * The flags `inject` and `batch` share: where the audit trail goes, how answers stream, pacing,
 * retries and time limits. Parsed and range-checked here, before the library is loaded.
 */
import type { Command } from 'commander';
import { checkOutputFile } from './file-flags.js';
import { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from '../limits.js';
import { isPostgresTarget } from '../observe/audit-postgres-target.js';
import { STREAM_TRANSPORTS, type StreamTransport } from '../stream/stream-transport.js';
import { MAX_TIMER_MS, namedWholeNumbers, oneOf, wholeNumber } from './flag-values.js';

/** Default audit trail of the CLI, in the working directory. */
export const DEFAULT_AUDIT_FILE = 'genesys-prompt-audit.jsonl';

/** Response backends, as `--backend` spells them (the injector's registry names, kept equal by a test). */
export const BACKENDS = ['notifications', 'direct', 'polling', 'guides'] as const;
/** Tokenizers, as `--tokenizer` spells them. */
export const TOKENIZERS = ['o200k_base', 'cl100k_base', 'heuristic'] as const;

/** Parsed shared flags. */
export interface InjectorFlags {
  audit: string | false;
  auditHmacKeyFile?: string;
  transport: StreamTransport;
  tokenizer: (typeof TOKENIZERS)[number];
  userId?: string;
  allowInsecure?: boolean;
  maxRetries?: number;
  rpm?: number;
  timeout?: number;
  deadline?: number;
  maxRetryAfter?: number;
  limit?: ResponseLimits;
}

/** Adds the shared flags to `command`. */
export function addInjectorFlags(command: Command): Command {
  return command
    .option(
      '--audit <file>',
      'audit trail: a JSON-lines file, or postgres://user@host/db',
      DEFAULT_AUDIT_FILE,
    )
    .option('--no-audit', 'do not keep an audit trail')
    .option(
      '--audit-hmac-key-file <file>',
      'file holding the HMAC key of the audit chain (default GENESYS_AUDIT_HMAC_KEY)',
    )
    .option(
      '--transport <kind>',
      'notifications (Genesys notification service) or direct (one socket)',
      oneOf('--transport', STREAM_TRANSPORTS),
      'notifications',
    )
    .option(
      '--tokenizer <name>',
      'o200k_base, cl100k_base or heuristic',
      oneOf('--tokenizer', TOKENIZERS),
      'o200k_base',
    )
    .option('--user-id <id>', 'user recorded in the audit trail (default system-automation)')
    .option('--allow-insecure', 'allow plain http:// and ws:// to a host other than loopback')
    .option(
      '--max-retries <n>',
      'retries per request after 429, 5xx or a reset (default 5)',
      wholeNumber('--max-retries', { min: 0, max: 100, example: 5 }),
    )
    .option(
      '--timeout <ms>',
      'per-request timeout in ms (default 30000)',
      wholeNumber('--timeout', { min: 1, max: MAX_TIMER_MS, example: 30_000 }),
    )
    .option(
      '--deadline <ms>',
      'overall deadline of one injection in ms, retries included (default 120000)',
      wholeNumber('--deadline', { min: 1, max: MAX_TIMER_MS, example: 120_000 }),
    )
    .option(
      '--max-retry-after <ms>',
      'longest server Retry-After to wait out; a longer one fails at once (default 60000)',
      wholeNumber('--max-retry-after', { min: 0, max: MAX_TIMER_MS, example: 60_000 }),
    )
    .option(
      '--limit <name=n>',
      `a size accepted from the server (repeatable): ${Object.keys(DEFAULT_RESPONSE_LIMITS).join(', ')}`,
      namedWholeNumbers('--limit', Object.keys(DEFAULT_RESPONSE_LIMITS)),
    );
}

/** The `--rpm` flag (pacing per OAuth client), with its default. */
export function addRpmFlag(command: Command, fallback?: number): Command {
  const parse = wholeNumber('--rpm', { min: 0, max: 1_000_000, example: 300, note: '(0 turns pacing off)' });
  return fallback === undefined
    ? command.option(
        '--rpm <n>',
        'API requests per minute for this OAuth client (default 300; 0: no pacing)',
        parse,
      )
    : command.option(
        '--rpm <n>',
        'API requests per minute for this OAuth client (0: no pacing)',
        parse,
        fallback,
      );
}

/**
 * Checks the files the shared flags name, before anything starts.
 * @throws UsageError naming the flag, the path and the fix
 */
export function checkInjectorFiles(flags: InjectorFlags): void {
  // A postgres:// trail is checked when the library connects to it.
  if (flags.audit !== false && !isPostgresTarget(flags.audit)) {
    checkOutputFile('--audit', flags.audit, DEFAULT_AUDIT_FILE);
  }
}
