/**
 * From what a user names (a path, or a sink they built) to an open `AuditSink` for appending, or a
 * read-only `AuditTrailSource` for verifying.
 */
import { checkpointPathFor } from './audit-checkpoint-file.js';
import { readFileLines, readOptionalFileLines } from './audit-file-lines.js';
import { AuditLog, type AuditLogOptions } from './audit-log.js';
import type { AuditSink, AuditTrailSource } from './audit-sink.js';

/** Options of `openAuditSink`: those of the file trail, used when `target` is a path. */
export type OpenAuditSinkOptions = AuditLogOptions;

/**
 * Opens the trail `target` names for appending: a path opens the file trail (`AuditLog.open`). A sink
 * passed in is returned as it is (already open; its owner configured it).
 * @throws ValidationError when the trail cannot be opened or does not verify at its end
 */
export async function openAuditSink(
  target: string | AuditSink,
  options: OpenAuditSinkOptions = {},
): Promise<AuditSink> {
  if (typeof target !== 'string') return target;
  return AuditLog.open(target, options);
}

/** A read-only view of the file trail at `path` and its checkpoint file, for verification. */
export function fileTrailSource(path: string): AuditTrailSource {
  return {
    target: path,
    lines: () => readFileLines(path),
    checkpoints: () => readOptionalFileLines(checkpointPathFor(path)),
  };
}
