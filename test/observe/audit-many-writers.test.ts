import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/observe/audit-entry.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { AuditAppendResult } from '../../src/observe/audit-sink.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { promptHash } from '../../src/observe/canonical-json.js';

const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const WRITER = fileURLToPath(new URL('./audit-writer-process.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-writers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a writer process to its end and returns what it acknowledged. */
function writerProcess(
  path: string,
  count: number,
  wave: number,
  name: string,
): Promise<AuditAppendResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX, WRITER, path, String(count), String(wave), name],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`writer ${name} exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout) as AuditAppendResult[]);
    });
  });
}

/** Appends `count` entries through one in-process log, `wave` at a time. */
async function inProcessWriter(
  path: string,
  count: number,
  wave: number,
  name: string,
): Promise<AuditAppendResult[]> {
  const log = await AuditLog.open(path, { checkpointEvery: 100 });
  const acknowledged: AuditAppendResult[] = [];
  for (let i = 0; i < count; i += wave) {
    const batch = Array.from({ length: Math.min(wave, count - i) }, (_, j) =>
      log.append({
        conversationId: `${name}-${i + j}`,
        assistantId: 'assistant-1',
        promptHash: promptHash({ name, i: i + j }),
        userId: name,
      }),
    );
    acknowledged.push(...(await Promise.all(batch)));
  }
  await log.close();
  return acknowledged;
}

describe('many writers on one file trail', () => {
  it('keeps every acknowledged entry of 4 processes x 500 and 2 in-process writers, once, in one chain', async () => {
    const path = join(dir, 'shared.jsonl');
    const all = await Promise.all([
      ...[0, 1, 2, 3].map((p) => writerProcess(path, 500, 25, `proc${p}`)),
      inProcessWriter(path, 200, 10, 'inproc0'),
      inProcessWriter(path, 200, 10, 'inproc1'),
    ]);
    const acknowledged = all.flat();
    expect(acknowledged).toHaveLength(2400);

    const entries = (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as AuditEntry);
    // Every acknowledged seq is present once, at its place, with the hash its writer was told.
    const seqs = new Set(acknowledged.map((a) => a.seq));
    expect(seqs.size).toBe(acknowledged.length);
    for (const { seq, hash } of acknowledged) expect(entries[seq - 1]?.hash).toBe(hash);
    expect(entries).toHaveLength(2400);
    // Each writer's own entries appear in the order it appended them.
    for (const name of ['proc0', 'proc3', 'inproc1']) {
      const mine = entries.filter((e) => e.userId === name).map((e) => e.conversationId);
      expect(mine).toEqual(mine.map((_, i) => `${name}-${i}`));
    }
    const report = await verifyAuditLog(path);
    expect(report).toMatchObject({ ok: true, entries: 2400, tornTail: false, uncovered: 0 });
    if (report.status === 'ok') expect(report.checkpoints.checked).toBeGreaterThan(6);
  }, 120_000);

  it('two logs on one path in one process share the chain (no entry lost)', async () => {
    const path = join(dir, 'two.jsonl');
    const [a, b] = await Promise.all([AuditLog.open(path), AuditLog.open(path)]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a : b).append({
          conversationId: `c-${i}`,
          assistantId: 'assistant-1',
          promptHash: promptHash({ i }),
          userId: 'u',
        }),
      ),
    );
    await Promise.all([a.close(), b.close()]);
    expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 10 });
  });
});
