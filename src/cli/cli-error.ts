/**
 * How the CLI reports a failure: one line (what, where, the fix) and an exit code — a stack trace only
 * with `--debug`; with `--json`, one JSON object on stderr with the code and the exit status.
 */
import { GenesysPromptError, ValidationError } from '../errors.js';
import { cliWording } from './cli-hints.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { safeJson, writeText } from './terminal-text.js';

/** A CLI usage problem (bad flag value, unreadable jobs file) that is not a library error. */
export class UsageError extends ValidationError {}

/** The one line printed for `error` (library option names replaced by the CLI's flags). */
export function errorLine(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` [${error.code}]` : '';
    return `error: ${cliWording(error.message)}${code}`;
  }
  return `error: ${String(error)}`;
}

/** What `--json` prints for an error. */
export interface ErrorReport {
  error: {
    name: string;
    code: string;
    message: string;
    field?: string;
    file?: string;
    fix?: string;
    status?: number;
    correlationId?: string;
    /** Every problem, when one input had several (a template's schema). */
    problems?: Array<{ field: string; message: string; fix: string }>;
  };
  exitCode: number;
}

/** The JSON report of `error`. */
export function errorReport(error: unknown, exitCode: number = exitCodeFor(error)): ErrorReport {
  if (!(error instanceof Error)) {
    return { error: { name: 'Error', code: 'internal.error', message: String(error) }, exitCode };
  }
  const report: ErrorReport['error'] = {
    name: error.name,
    code: error instanceof GenesysPromptError ? error.code : 'internal.error',
    message: cliWording(error.message),
  };
  if (error instanceof GenesysPromptError) {
    if (error.status !== undefined) report.status = error.status;
    if (error.correlationId !== undefined) report.correlationId = error.correlationId;
  }
  if (error instanceof ValidationError) {
    report.field = cliWording(error.field);
    report.fix = cliWording(error.fix);
    if (error.file !== undefined) report.file = error.file;
    if (error.problems.length > 1) {
      report.problems = error.problems.map((p) => ({
        field: cliWording(p.field),
        message: cliWording(p.message),
        fix: cliWording(p.fix),
      }));
    }
  }
  return { error: report, exitCode };
}

/** How errors are printed. */
export interface ReportOptions {
  /** Add the stack trace (text mode). */
  debug: boolean;
  /** One JSON object instead of a line. */
  json: boolean;
}

/** Prints `error` to stderr and returns the exit code. */
export function reportError(error: unknown, options: ReportOptions): ExitCode {
  const exitCode = exitCodeFor(error);
  if (options.json) {
    process.stderr.write(`${safeJson(errorReport(error, exitCode))}\n`);
    return exitCode;
  }
  const problems = error instanceof ValidationError && error.problems.length > 1 ? error.problems : [error];
  for (const problem of problems) writeText(process.stderr, `${errorLine(problem)}\n`);
  if (options.debug && error instanceof Error && error.stack) writeText(process.stderr, `${error.stack}\n`);
  return exitCode;
}

/**
 * Prints a warning or a notice to stderr: a line (`warning: ...`, or the notice as is), or with `json`
 * one `{"warning": {...}}` / `{"notice": {...}}` object, so that stderr stays machine-readable.
 * @param code stable machine-readable code, e.g. `unknown.variable`
 */
export function reportNote(kind: 'warning' | 'notice', message: string, code: string, json: boolean): void {
  if (json) process.stderr.write(`${safeJson({ [kind]: { code, message } })}\n`);
  else writeText(process.stderr, `${kind === 'warning' ? 'warning: ' : ''}${message}\n`);
}
