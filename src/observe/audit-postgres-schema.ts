/**
 * The PostgreSQL trail's tables: `audit_entries` (one row per entry: its `seq`, `hash` and canonical
 * line), `audit_head` (one row: the chain's head, locked by every append transaction, so writers on
 * any number of hosts take turns) and `audit_checkpoints` (one row per checkpoint line). Created on
 * first use, or ahead of time by `genesys-prompt audit migrate`.
 */
import pg, { type ClientBase } from 'pg';
import { GenesysPromptError } from '../errors.js';
import { GENESIS_HASH } from './audit-entry.js';
import { parsePostgresTarget } from './audit-postgres-target.js';

/** Quoted, schema-qualified names of the trail's tables. */
export interface AuditTables {
  entries: string;
  head: string;
  checkpoints: string;
}

/** The tables of a trail in `schema` (a name already checked to be a plain identifier). */
export function auditTables(schema: string): AuditTables {
  return {
    entries: `"${schema}"."audit_entries"`,
    head: `"${schema}"."audit_head"`,
    checkpoints: `"${schema}"."audit_checkpoints"`,
  };
}

/**
 * Creates the schema and tables if missing, and the head row of an empty chain. Safe to run from many
 * instances at once (serialised by a transaction-scoped advisory lock).
 */
export async function ensureAuditSchema(client: ClientBase, schema: string): Promise<void> {
  const t = auditTables(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`genesys-audit-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.entries} (
      seq bigint PRIMARY KEY CHECK (seq >= 1),
      hash char(64) NOT NULL,
      line text NOT NULL
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.head} (
      id smallint PRIMARY KEY CHECK (id = 1),
      seq bigint NOT NULL,
      hash char(64) NOT NULL
    )`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${t.checkpoints} (
      position bigint PRIMARY KEY CHECK (position >= 1),
      count bigint NOT NULL,
      line text NOT NULL
    )`);
    await client.query(
      `INSERT INTO ${t.head} (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING`,
      [GENESIS_HASH],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the trail's tables at `url` (`?schema=` picks the schema) ahead of the first writer, for a
 * deployment whose services may not create tables. Returns the URL without password, and the schema.
 * @throws GenesysPromptError (`audit.connect.failed`) when the database cannot be reached or refuses
 */
export async function migrateAuditSchema(url: string): Promise<{ target: string; schema: string }> {
  const target = parsePostgresTarget(url);
  const client = new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    await ensureAuditSchema(client, target.schema);
  } catch (cause) {
    throw new GenesysPromptError(
      `cannot create the audit tables in ${target.display}: ${(cause as Error).message}; check the URL and the user's rights`,
      { code: 'audit.connect.failed', cause },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return { target: target.display, schema: target.schema };
}
