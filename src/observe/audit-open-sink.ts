/** From what a user names (a path, or a sink they built) to an open `AuditSink` for appending. */
import { AuditLog, type AuditLogOptions } from './audit-log.js';
import type { AuditSink } from './audit-sink.js';

/** Options of `openAuditSink`: those of the file trail, used when `target` is a path. */
export type OpenAuditSinkOptions = AuditLogOptions;

/**
 * Opens the trail `target` names for appending: a path opens the file trail (`AuditLog.open`). A sink
 * passed in is returned as it is (already open; its owner configured it).
 * @throws ValidationError when the trail cannot be opened or does not check back to its last checkpoint
 */
export async function openAuditSink(
  target: string | AuditSink,
  options: OpenAuditSinkOptions = {},
): Promise<AuditSink> {
  if (typeof target !== 'string') return target;
  return AuditLog.open(target, options);
}
