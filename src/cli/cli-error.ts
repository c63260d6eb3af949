/**
 * How the CLI reports a failure: one line (what, where, the fix) and an exit code — a stack trace only
 * with `--debug`.
 */
import { ValidationError } from '../errors.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';

/** A CLI usage problem (bad flag value, unreadable jobs file) that is not a library error. */
export class UsageError extends ValidationError {}

/** The one line printed for `error`. */
export function errorLine(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` [${error.code}]` : '';
    return `error: ${error.message}${code}`;
  }
  return `error: ${String(error)}`;
}

/** Prints `error` to stderr and returns the exit code. */
export function reportError(error: unknown, debug: boolean): ExitCode {
  process.stderr.write(`${errorLine(error)}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return exitCodeFor(error);
}
