import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEntryHash, type AuditEntry } from '../../src/observe/audit-entry.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import type { AuditTrailLine } from '../../src/observe/audit-sink.js';
import { verifyAuditLog, type AuditBreakReason } from '../../src/observe/audit-verify.js';
import { canonicalJson, promptHash } from '../../src/observe/canonical-json.js';

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An empty source of checkpoint lines: verification by the chain alone. */
async function* noLines(): AsyncGenerator<AuditTrailLine> {}

/** Writes `count` entries through AuditLog and returns the file's lines (without newlines). */
async function writeLog(count: number): Promise<{ path: string; lines: string[]; lastHash: string }> {
  const path = join(dir, `audit-${++counter}.jsonl`);
  const log = await AuditLog.open(path);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      log.append({
        conversationId: `conv-${i}`,
        assistantId: 'assistant-1',
        promptHash: promptHash({ i }),
        userId: 'u',
      }),
    ),
  );
  const lastHash = log.lastHash;
  await log.close();
  const lines = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
  return { path, lines, lastHash };
}

type Tamper =
  | { kind: 'modify'; line: number; field: string; pick: number }
  | { kind: 'delete'; line: number }
  | { kind: 'insert'; line: number; seq: number; salt: number }
  | { kind: 'swap'; first: number; second: number }
  | { kind: 'cut'; line: number; at: number };

const FIELDS = [
  'seq',
  'timestamp',
  'eventType',
  'conversationId',
  'assistantId',
  'promptHash',
  'userId',
  'complianceStatus',
  'prevHash',
  'hash',
];

function modifyField(entry: Record<string, unknown>, field: string, pick: number): void {
  const value = entry[field];
  if (typeof value === 'number') entry[field] = value + 1 + (pick % 5);
  else if (field === 'complianceStatus') entry[field] = value === 'AUDITED' ? 'FAILED' : 'AUDITED';
  else if (typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)) {
    entry[field] = (value[0] === 'a' ? 'b' : 'a') + value.slice(1);
  } else entry[field] = `${String(value)}-${pick}`;
}

/** A self-consistent entry (valid own hash) that belongs nowhere in the chain. */
function forgedLine(seq: number, salt: number): string {
  const rest = {
    seq,
    timestamp: '2030-01-01T00:00:00.000Z',
    eventType: 'AI_PROMPT_INJECTION',
    conversationId: `forged-${salt}`,
    assistantId: 'assistant-1',
    promptHash: promptHash({ salt }),
    userId: 'u',
    complianceStatus: 'AUDITED' as const,
    prevHash: createHash('sha256').update(`forged ${salt}`).digest('hex'),
  };
  return canonicalJson({ ...rest, hash: computeEntryHash(rest) });
}

/** Applies the tamper; returns the file text and what verification must say. */
function applyTamper(
  lines: string[],
  tamper: Tamper,
): {
  text: string;
  expected:
    { line: number; reasons: AuditBreakReason[]; entries: number } | { tornEntries: number } | 'undetectable';
} {
  const out = [...lines];
  const n = lines.length;
  switch (tamper.kind) {
    case 'modify': {
      const entry = JSON.parse(out[tamper.line]!) as Record<string, unknown>;
      modifyField(entry, tamper.field, tamper.pick);
      out[tamper.line] = JSON.stringify(entry);
      return {
        text: `${out.join('\n')}\n`,
        expected: { line: tamper.line + 1, reasons: ['modified', 'malformed'], entries: tamper.line },
      };
    }
    case 'delete':
      out.splice(tamper.line, 1);
      return {
        text: out.length ? `${out.join('\n')}\n` : '',
        expected:
          tamper.line === n - 1
            ? 'undetectable'
            : { line: tamper.line + 1, reasons: ['deleted'], entries: tamper.line },
      };
    case 'insert':
      out.splice(tamper.line, 0, forgedLine(tamper.seq, tamper.salt));
      return {
        text: `${out.join('\n')}\n`,
        expected: { line: tamper.line + 1, reasons: ['inserted'], entries: tamper.line },
      };
    case 'swap': {
      const [a, b] = [out[tamper.first]!, out[tamper.second]!];
      out[tamper.first] = b;
      out[tamper.second] = a;
      return {
        text: `${out.join('\n')}\n`,
        expected: { line: tamper.first + 1, reasons: ['reordered'], entries: tamper.first },
      };
    }
    case 'cut': {
      const kept = out.slice(0, tamper.line);
      const partial = out[tamper.line]!.slice(0, tamper.at);
      return { text: kept.map((l) => `${l}\n`).join('') + partial, expected: { tornEntries: tamper.line } };
    }
  }
}

const scenario = fc.integer({ min: 2, max: 12 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    fc.oneof(
      fc.record({
        kind: fc.constant('modify' as const),
        line: fc.nat(n - 1),
        field: fc.constantFrom(...FIELDS),
        pick: fc.nat(100),
      }),
      fc.record({ kind: fc.constant('delete' as const), line: fc.nat(n - 1) }),
      fc.record({
        kind: fc.constant('insert' as const),
        line: fc.nat(n),
        seq: fc.integer({ min: 1, max: n }),
        salt: fc.nat(),
      }),
      fc
        .tuple(fc.nat(n - 1), fc.nat(n - 1))
        .filter(([a, b]) => a !== b)
        .map(([a, b]) => ({ kind: 'swap' as const, first: Math.min(a, b), second: Math.max(a, b) })),
      fc.record({
        kind: fc.constant('cut' as const),
        line: fc.nat(n - 1),
        at: fc.integer({ min: 1, max: 150 }),
      }),
    ),
  ),
);

describe('verifyAuditLog', () => {
  it('finds every tamper at the right line and reports a cut last line as a torn tail', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ([n, tamper]) => {
        const { path, lines, lastHash } = await writeLog(n);
        expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: n, tornTail: false });
        const { text, expected } = applyTamper(lines, tamper);
        await writeFile(path, text);
        const result = await verifyAuditLog(path);
        // The same file judged by its chain alone, as if its checkpoint file were lost.
        const chainOnly = await verifyAuditLog(path, { checkpoints: noLines() });
        if (expected === 'undetectable') {
          // A whole last entry removed leaves a valid chain: the checkpoint written at close tells,
          // and without it only an anchor kept elsewhere does.
          expect(result).toMatchObject({
            ok: false,
            entries: n - 1,
            brokenAt: { reason: 'truncated', line: n },
          });
          expect(chainOnly).toMatchObject({ ok: true, entries: n - 1 });
          expect(await verifyAuditLog(path, { checkpoints: noLines(), expectedEntries: n })).toMatchObject({
            ok: false,
            brokenAt: { reason: 'truncated', line: n },
          });
          expect(
            await verifyAuditLog(path, { checkpoints: noLines(), expectedLastHash: lastHash }),
          ).toMatchObject({ ok: false, brokenAt: { reason: 'truncated' } });
        } else if ('tornEntries' in expected) {
          // A cut inside what a checkpoint covers is a truncation, not a crash.
          expect(result).toMatchObject({
            ok: false,
            entries: expected.tornEntries,
            brokenAt: { reason: 'truncated' },
          });
          expect(chainOnly).toMatchObject({ ok: true, entries: expected.tornEntries, tornTail: true });
        } else {
          for (const judged of [result, chainOnly]) {
            expect(judged.status).toBe('broken');
            if (judged.status !== 'broken') return;
            expect(judged.brokenAt.line).toBe(expected.line);
            expect(expected.reasons).toContain(judged.brokenAt.reason);
            expect(judged.entries).toBe(expected.entries);
            expect(judged.brokenAt.message).toMatch(new RegExp(`^line ${expected.line}: `));
          }
        }
      }),
      { seed: 20250101, numRuns: 120 },
    );
  });

  it('accepts anchors that match', async () => {
    const { path, lastHash } = await writeLog(4);
    expect(await verifyAuditLog(path, { expectedEntries: 4, expectedLastHash: lastHash })).toMatchObject({
      ok: true,
      lastSeq: 4,
      lastHash,
    });
  });

  it('reports an empty file as an empty valid chain', async () => {
    const path = join(dir, 'empty.jsonl');
    await writeFile(path, '');
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 0, tornTail: false, lastSeq: 0 });
  });

  it('reports a garbage line before the end as malformed, not as a crash', async () => {
    const { path, lines } = await writeLog(3);
    await writeFile(path, `${lines[0]}\n{"seq":2,"ti\n${lines[1]}\n${lines[2]}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      entries: 1,
      brokenAt: { line: 2, reason: 'malformed' },
    });
  });

  it('tells an entry whose chain link was rewritten (hash-mismatch)', async () => {
    const { path, lines } = await writeLog(2);
    const second = JSON.parse(lines[1]!) as AuditEntry;
    const { hash: _h, ...rest } = { ...second, prevHash: 'f'.repeat(64) };
    await writeFile(path, `${lines[0]}\n${canonicalJson({ ...rest, hash: computeEntryHash(rest) })}\n`);
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      entries: 1,
      brokenAt: { line: 2, seq: 2, reason: 'hash-mismatch' },
    });
  });

  it('streams a large file', async () => {
    const { path } = await writeLog(3000);
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 3000 });
  });

  it('rejects a file that does not exist', async () => {
    await expect(verifyAuditLog(join(dir, 'missing.jsonl'))).rejects.toMatchObject({
      code: 'audit.log.unreadable',
    });
  });
});
