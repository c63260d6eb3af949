/**
 * From what a user names — a path, a `postgres://` URL, or a sink they built — to an open `AuditSink`
 * for appending. The injector and the CLI accept all three through this one function.
 */
import { AuditLog } from './audit-log.js';
import { isPostgresTarget, parsePostgresTarget } from './audit-postgres-target.js';
import type { AuditSink } from './audit-sink.js';
import type { AuditWriterOptions } from './audit-writer-options.js';

/** Options of `openAuditSink`. */
export interface OpenAuditSinkOptions extends AuditWriterOptions {
  /** PostgreSQL only: schema of the tables (default the URL's `schema` parameter, else `public`). */
  schema?: string;
}

/**
 * Opens the trail `target` names for appending: a `postgres://` (or `postgresql://`) URL opens the
 * PostgreSQL trail (tables created on first use), any other string the file trail at that path. A
 * sink passed in is returned as it is (already open; its owner configured it).
 * @throws ValidationError when the trail does not check back to its last checkpoint, or the keys do
 *   not fit it
 * @throws GenesysPromptError (`audit.connect.failed`) when the database cannot be reached
 */
export async function openAuditSink(
  target: string | AuditSink,
  options: OpenAuditSinkOptions = {},
): Promise<AuditSink> {
  if (typeof target !== 'string') return target;
  const { schema, ...writer } = options;
  if (isPostgresTarget(target)) {
    // Loaded only when a database trail is used, so file-only programs never load the driver.
    const { PostgresAuditSink } = await import('./audit-postgres-sink.js');
    return PostgresAuditSink.open(target, { ...writer, ...(schema === undefined ? {} : { schema }) });
  }
  return AuditLog.open(target, writer);
}

/** How a trail target is named in messages: the path, or the database URL without its password. */
export function auditTargetName(target: string): string {
  return isPostgresTarget(target) ? parsePostgresTarget(target).display : target;
}
