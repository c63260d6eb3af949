/**
 * The flags `inject` and `batch` share: where the audit trail goes, how answers stream, pacing,
 * retries and time limits. Parsed and range-checked here, before the library is loaded.
 */
import type { Command } from 'commander';
import { checkOutputFile } from './file-flags.js';
import { MAX_TIMER_MS, oneOf, wholeNumber } from './flag-values.js';

/** Default audit trail of the CLI, in the working directory. */
export const DEFAULT_AUDIT_FILE = 'genesys-prompt-audit.jsonl';

/** Stream transports, as `--transport` spells them. */
export const TRANSPORTS = ['notifications', 'direct'] as const;
/** Tokenizers, as `--tokenizer` spells them. */
export const TOKENIZERS = ['o200k_base', 'cl100k_base', 'heuristic'] as const;

/** Parsed shared flags. */
export interface InjectorFlags {
  audit: string | false;
  auditHmacKey?: string;
  transport: (typeof TRANSPORTS)[number];
  tokenizer: (typeof TOKENIZERS)[number];
  userId?: string;
  allowInsecure?: boolean;
  maxRetries?: number;
  rpm?: number;
  timeout?: number;
  deadline?: number;
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
      oneOf('--transport', TRANSPORTS),
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
  if (flags.audit !== false) checkOutputFile('--audit', flags.audit, DEFAULT_AUDIT_FILE);
}
