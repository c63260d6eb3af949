/**
 * Exit codes of `genesys-prompt`, one mapping from error class to code.
 */
import {
  AuthenticationError,
  PermissionDeniedError,
  RateLimitError,
  StreamError,
  ValidationError,
} from '../errors.js';

/** Documented exit codes. */
export const ExitCode = {
  ok: 0,
  other: 1,
  badInput: 2,
  authOrPermission: 3,
  rateLimited: 4,
  stream: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

/** The exit code an error ends the command with. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof ValidationError) return ExitCode.badInput;
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return ExitCode.authOrPermission;
  }
  if (error instanceof RateLimitError) return ExitCode.rateLimited;
  if (error instanceof StreamError) return ExitCode.stream;
  return ExitCode.other;
}
