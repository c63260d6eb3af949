/**
 * Reading a PostgreSQL trail back, page by page in `seq` order (keyset pagination: each page starts
 * after the last key of the one before), so a trail of any length verifies in bounded memory.
 */
import pg from 'pg';
import { MAX_AUDIT_LINE_BYTES } from './audit-file-lines.js';
import { auditTables, type AuditTables } from './audit-postgres-schema.js';
import { parsePostgresTarget } from './audit-postgres-target.js';
import type { AuditTrailLine, AuditTrailSource } from './audit-sink.js';

const PAGE_ROWS = 2000;

/** A trail source over a PostgreSQL trail that owns its connections: close it when done. */
export interface PostgresTrailSource extends AuditTrailSource {
  /** Releases the source's connections. */
  close(): Promise<void>;
}

/**
 * The lines of one column in key order.
 * @param sql a query with `$1` (the key to start after) and `$2` (page size) returning `key` and `line`
 * @param startAfter the key the first page starts after
 */
export async function* pagedLines(
  pool: pg.Pool,
  sql: string,
  startAfter = 0,
): AsyncGenerator<AuditTrailLine> {
  let after = String(startAfter);
  for (;;) {
    const { rows } = await pool.query<{ key: string; line: string }>(sql, [after, PAGE_ROWS]);
    for (const row of rows) {
      const bytes = Buffer.byteLength(row.line, 'utf8');
      const text = bytes <= MAX_AUDIT_LINE_BYTES ? row.line : row.line.slice(0, MAX_AUDIT_LINE_BYTES);
      yield { text, bytes, terminated: true };
    }
    if (rows.length < PAGE_ROWS) return;
    after = rows.at(-1)!.key;
  }
}

/** The entry lines of the trail in `tables`, in `seq` order. */
export function entryLines(pool: pg.Pool, tables: AuditTables): AsyncGenerator<AuditTrailLine> {
  return pagedLines(
    pool,
    `SELECT seq::text AS key, line FROM ${tables.entries} WHERE seq > $1::bigint ORDER BY seq LIMIT $2`,
  );
}

/** The checkpoint lines of the trail in `tables`, oldest first. */
export function checkpointLines(pool: pg.Pool, tables: AuditTables): AsyncGenerator<AuditTrailLine> {
  return pagedLines(
    pool,
    `SELECT position::text AS key, line FROM ${tables.checkpoints} WHERE position > $1::bigint ORDER BY position LIMIT $2`,
  );
}

/** Options of the driver's pool shared by the reader and the sink. */
export function poolOptions(connectionString: string, extra: pg.PoolConfig = {}): pg.PoolConfig {
  return {
    connectionString,
    max: 2,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 10_000,
    application_name: 'genesys-prompt-audit',
    ...extra,
  };
}

/**
 * A read-only view of the PostgreSQL trail at `url` (`?schema=` picks the schema), for verification.
 * Reading a trail whose tables do not exist fails with the driver's error.
 */
export function postgresTrailSource(url: string, schema?: string): PostgresTrailSource {
  const target = parsePostgresTarget(url, schema);
  const pool = new pg.Pool(poolOptions(target.connectionString));
  // An idle connection's error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const tables = auditTables(target.schema);
  return {
    target: target.display,
    lines: () => entryLines(pool, tables),
    checkpoints: () => checkpointLines(pool, tables),
    close: () => pool.end(),
  };
}
