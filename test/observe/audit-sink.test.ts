import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileLines } from '../../src/observe/audit-file-lines.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { openAuditSink } from '../../src/observe/audit-open-sink.js';
import type { AuditSink, AuditTrailLine, AuditTrailSource } from '../../src/observe/audit-sink.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { promptHash } from '../../src/observe/canonical-json.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fields = (i: number) => ({
  conversationId: `conv-${i}`,
  assistantId: 'assistant-1',
  promptHash: promptHash({ i }),
  userId: 'system-automation',
});

async function collect(lines: AsyncIterable<AuditTrailLine>): Promise<AuditTrailLine[]> {
  const out: AuditTrailLine[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

describe('AuditSink', () => {
  it('opens the file trail from a path and reads back what it appended', async () => {
    const sink: AuditSink = await openAuditSink(join(dir, 'audit.jsonl'));
    await Promise.all([1, 2, 3].map((i) => sink.append(fields(i))));
    const lines = await collect(sink.lines());
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.terminated)).toBe(true);
    // The checkpoint written when the trail was created; the next comes at close.
    expect((await collect(sink.checkpoints())).map((l) => JSON.parse(l.text) as unknown)).toMatchObject([
      { count: 0, trailBytes: 0 },
    ]);
    await sink.close();
  });

  it('returns a sink passed in as it is', async () => {
    const log = await AuditLog.open(join(dir, 'audit.jsonl'));
    expect(await openAuditSink(log)).toBe(log);
    await log.close();
  });

  it('verifies any source of lines, not only a path', async () => {
    const log = await AuditLog.open(join(dir, 'audit.jsonl'));
    for (let i = 1; i <= 4; i += 1) await log.append(fields(i));
    await log.close();
    const kept = await collect(log.lines());
    const source = (lines: AuditTrailLine[]): AuditTrailSource => ({
      target: 'memory',
      lines: async function* () {
        yield* lines;
      },
      checkpoints: async function* () {},
    });
    expect(await verifyAuditLog(source(kept))).toMatchObject({ ok: true, entries: 4 });
    const swapped = [kept[0]!, kept[2]!, kept[1]!, kept[3]!];
    expect(await verifyAuditLog(source(swapped))).toMatchObject({
      ok: false,
      brokenAt: { line: 2, reason: 'reordered' },
    });
  });
});

describe('readFileLines', () => {
  it('keeps only the first bytes of a line over the limit and reports its real length', async () => {
    const path = join(dir, 'lines.txt');
    await writeFile(path, `short\n${'x'.repeat(100)}\nlast`);
    const lines = await collect(readFileLines(path, 10));
    expect(lines).toEqual([
      { text: 'short', bytes: 5, terminated: true },
      { text: 'x'.repeat(10), bytes: 100, terminated: true },
      { text: 'last', bytes: 4, terminated: false },
    ]);
  });
});
