import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealEntry } from '../../src/observe/audit-chain.js';
import { formatEntryLine, type AuditEntry } from '../../src/observe/audit-entry.js';
import { auditTargetName, openAuditSink } from '../../src/observe/audit-open-sink.js';
import { PostgresAuditSink, type PostgresAuditSinkOptions } from '../../src/observe/audit-postgres-sink.js';
import { describeAuditVerification } from '../../src/observe/audit-report.js';
import type { AuditAppendResult } from '../../src/observe/audit-sink.js';
import { generateAuditKeyPair } from '../../src/observe/audit-signing-key.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { promptHash } from '../../src/observe/canonical-json.js';

const DATABASE = process.env.AUDIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// One schema per test run, one more per test: dropped at the end.
const RUN = `audit_test_${process.pid}_${Date.now().toString(36)}`;
const pair = generateAuditKeyPair();
let admin: pg.Client;
let counter = 0;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: DATABASE });
  await admin.connect();
});
afterAll(async () => {
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
});

function newSchema(): string {
  const schema = `${RUN}_${++counter}`;
  schemas.push(schema);
  return schema;
}

const url = (schema: string): string => `${DATABASE}?schema=${schema}`;

const fields = (name: string, i: number) => ({
  conversationId: `${name}-${i}`,
  assistantId: 'assistant-1',
  promptHash: promptHash({ name, i }),
  userId: name,
});

async function appendMany(
  sink: { append: PostgresAuditSink['append'] },
  name: string,
  count: number,
  wave: number,
): Promise<AuditAppendResult[]> {
  const out: AuditAppendResult[] = [];
  for (let i = 0; i < count; i += wave) {
    const batch = Array.from({ length: Math.min(wave, count - i) }, (_, j) =>
      sink.append(fields(name, i + j)),
    );
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

async function trail(schema: string, count: number, options: PostgresAuditSinkOptions = {}): Promise<void> {
  const sink = await PostgresAuditSink.open(url(schema), { checkpointEvery: 100, ...options });
  // Waves of 10: checkpoints land on every hundred.
  await appendMany(sink, 'w', count, 10);
  await sink.close();
}

describe('PostgreSQL audit sink', () => {
  it('creates its tables on first use, chains group-committed appends, and verifies by URL', async () => {
    const schema = newSchema();
    const sink = await openAuditSink(url(schema), { signingKey: pair.privateKeyPem });
    expect(sink.target).toBe(url(schema));
    // A password in the URL never reaches what the sink shows.
    expect(auditTargetName(`postgres://postgres:s3cret@127.0.0.1:5432/test?schema=${schema}`)).toBe(
      sink.target,
    );
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sink.append(fields('a', i))));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await sink.close();
    await expect(sink.append(fields('a', 99))).rejects.toMatchObject({ code: 'audit.closed' });

    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${schema}".audit_entries`,
    );
    expect(rows[0]!.n).toBe('50');
    const result = await verifyAuditLog(url(schema), { publicKey: pair.publicKeyPem });
    expect(result).toMatchObject({
      ok: true,
      entries: 50,
      checkpoints: { signed: true, keyPinned: true, lastCount: 50 },
    });
    expect(describeAuditVerification(result)).toBe(
      `OK: 50 entries, signed checkpoint at 50 (key ${pair.keyId.slice(0, 8)}…)`,
    );
    // The same lines as a file trail: the verifier reads them from the open sink too.
    const reopened = await openAuditSink(url(schema), { signingKey: pair.privateKeyPem });
    expect(await verifyAuditLog(reopened)).toMatchObject({ ok: true, entries: 50 });
    expect((await reopened.append(fields('b', 1))).seq).toBe(51);
    await reopened.close();
  });

  it('keeps every acknowledged entry of 4 writers with their own connections, once, in one chain', async () => {
    const schema = newSchema();
    const sinks = await Promise.all(
      [0, 1, 2, 3].map(() => PostgresAuditSink.open(url(schema), { checkpointEvery: 50 })),
    );
    const all = await Promise.all(sinks.map((sink, i) => appendMany(sink, `w${i}`, 150, 15)));
    await Promise.all(sinks.map((s) => s.close()));
    const acknowledged = all.flat();
    expect(new Set(acknowledged.map((a) => a.seq)).size).toBe(600);
    const { rows } = await admin.query<{ at: string; hash: string }>(
      `SELECT seq::text AS at, hash FROM "${schema}".audit_entries ORDER BY seq`,
    );
    expect(rows.map((r) => Number(r.at))).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    const byseq = new Map(rows.map((r) => [Number(r.at), r.hash]));
    for (const { seq, hash } of acknowledged) expect(byseq.get(seq)).toBe(hash);
    expect(await verifyAuditLog(url(schema))).toMatchObject({ ok: true, entries: 600, uncovered: 0 });
  });

  it('detects rows deleted from the end (truncated) and a rewritten chain (rewritten), and refuses to append to them', async () => {
    const schema = newSchema();
    await trail(schema, 300, { signingKey: pair.privateKeyPem });
    const t = `"${schema}"`;
    // Rewrite from entry 3 on, recomputing every hash, and move the head: the chain alone is consistent.
    const { rows } = await admin.query<{ line: string }>(`SELECT line FROM ${t}.audit_entries ORDER BY seq`);
    const entries = rows.map((r) => JSON.parse(r.line) as AuditEntry);
    let prev = entries[1]!.hash;
    await admin.query('BEGIN');
    for (const e of entries.slice(2)) {
      const { hash: _h, ...rest } = e;
      const sealed = sealEntry({ ...rest, userId: e.seq === 3 ? 'mallory' : e.userId, prevHash: prev });
      prev = sealed.hash;
      await admin.query(`UPDATE ${t}.audit_entries SET line = $1, hash = $2 WHERE seq = $3`, [
        formatEntryLine(sealed),
        sealed.hash,
        e.seq,
      ]);
    }
    await admin.query(`UPDATE ${t}.audit_head SET hash = $1`, [prev]);
    await admin.query('COMMIT');
    expect(await verifyAuditLog(url(schema), { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: false,
      brokenAt: { reason: 'rewritten' },
    });
    await expect(
      PostgresAuditSink.open(url(schema), { signingKey: pair.privateKeyPem }),
    ).rejects.toMatchObject({
      code: 'audit.log.corrupt',
    });

    const cut = newSchema();
    await trail(cut, 300, { signingKey: pair.privateKeyPem });
    await admin.query(`DELETE FROM "${cut}".audit_entries WHERE seq > 200`);
    const { rows: head } = await admin.query<{ line: string }>(
      `SELECT line FROM "${cut}".audit_entries WHERE seq = 200`,
    );
    await admin.query(`UPDATE "${cut}".audit_head SET seq = 200, hash = $1`, [
      (JSON.parse(head[0]!.line) as AuditEntry).hash,
    ]);
    expect(await verifyAuditLog(url(cut), { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: false,
      entries: 200,
      brokenAt: { reason: 'truncated' },
    });
    await expect(PostgresAuditSink.open(url(cut), { signingKey: pair.privateKeyPem })).rejects.toMatchObject({
      code: 'audit.log.truncated',
    });
  });

  it('says a key is needed for an HMAC trail, and names a schema with no trail', async () => {
    const schema = newSchema();
    await trail(schema, 5, { hmacKey: 'k' });
    expect(await verifyAuditLog(url(schema))).toMatchObject({ ok: false, status: 'key-needed', entries: 5 });
    expect(await verifyAuditLog(url(schema), { hmacKey: 'k' })).toMatchObject({ ok: true, entries: 5 });
    await expect(PostgresAuditSink.open(url(schema))).rejects.toMatchObject({ code: 'audit.key.mismatch' });
    await expect(verifyAuditLog(url(`${RUN}_missing`))).rejects.toMatchObject({
      code: 'audit.log.unreadable',
    });
  });

  it('fails an append with a typed error while another transaction holds the head past lockTimeoutMs', async () => {
    const schema = newSchema();
    const sink = await PostgresAuditSink.open(url(schema), { lockTimeoutMs: 200 });
    const holder = new pg.Client({ connectionString: DATABASE });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT * FROM "${schema}".audit_head FOR UPDATE`);
      await expect(sink.append(fields('x', 1))).rejects.toMatchObject({ code: 'audit.lock.timeout' });
      await holder.query('ROLLBACK');
      // Only that batch failed: the next append goes through.
      expect((await sink.append(fields('x', 2))).seq).toBe(1);
    } finally {
      await holder.end();
      await sink.close();
    }
  });
});
