/**
 * A PostgreSQL audit trail named by URL: `postgres://user@host:5432/db?schema=audit`. The `schema`
 * parameter (default `public`) is ours and is removed before the URL reaches the driver; the rest is
 * node-postgres's. The URL shown in messages never carries the password.
 */
import { ValidationError } from '../errors.js';

/** Where a PostgreSQL trail lives. */
export interface PostgresAuditTarget {
  /** The URL for the driver (without our `schema` parameter). */
  connectionString: string;
  /** Schema of the trail's tables. */
  schema: string;
  /** The URL for messages: no password, no driver parameters (the schema when not `public`). */
  display: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** True when `target` names a PostgreSQL trail rather than a file. */
export function isPostgresTarget(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/**
 * Parses a PostgreSQL trail URL.
 * @param schema overrides the URL's `schema` parameter
 * @throws ValidationError when the URL or the schema name is not usable
 */
export function parsePostgresTarget(target: string, schema?: string): PostgresAuditTarget {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ValidationError(
      'audit',
      'is not a valid PostgreSQL URL',
      'use postgres://user@host:5432/database',
      {
        code: 'audit.target.invalid',
      },
    );
  }
  const chosen = schema ?? url.searchParams.get('schema') ?? 'public';
  if (!IDENTIFIER.test(chosen)) {
    throw new ValidationError(
      'audit.schema',
      'must be a lower-case SQL identifier (letters, digits, _; at most 63)',
      'pick a schema name like audit',
      { code: 'audit.target.invalid' },
    );
  }
  url.searchParams.delete('schema');
  const display = new URL(url.href);
  display.password = '';
  display.search = chosen === 'public' ? '' : `?schema=${chosen}`;
  return { connectionString: url.href, schema: chosen, display: display.href };
}
