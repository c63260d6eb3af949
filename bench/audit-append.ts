/**
 * Audit appends per second with a sync per batch: one at a time (a sync per entry), then 100
 * concurrent appenders (group commit). Run: npx tsx bench/audit-append.ts [seconds-per-case]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, promptHash, verifyAuditLog } from '../src/observe/index.js';

const seconds = Number(process.argv[2] ?? 2);
const hash = promptHash({ bench: true });
const entry = (i: number) => ({
  conversationId: `conv-${i}`,
  assistantId: 'assistant-1',
  promptHash: hash,
  userId: 'bench',
});

async function sequential(log: AuditLog, until: number): Promise<number> {
  let n = 0;
  while (performance.now() < until) await log.append(entry(n++));
  return n;
}

async function concurrent(log: AuditLog, until: number, workers: number): Promise<number> {
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) await log.append(entry(n++));
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return n;
}

const dir = await mkdtemp(join(tmpdir(), 'audit-bench-'));
try {
  const rows: Array<{ case: string; appends: number; perSecond: number; fileVerifies: string }> = [];
  for (const [name, run] of [
    ['sequential (1 in flight)', (log: AuditLog, until: number) => sequential(log, until)],
    ['group commit (100 in flight)', (log: AuditLog, until: number) => concurrent(log, until, 100)],
  ] as const) {
    const path = join(dir, `${name.split(' ')[0]}.jsonl`);
    const log = await AuditLog.open(path);
    const start = performance.now();
    const appends = await run(log, start + seconds * 1000);
    const elapsed = (performance.now() - start) / 1000;
    await log.close();
    const verified = await verifyAuditLog(path);
    rows.push({
      case: name,
      appends,
      perSecond: Math.round(appends / elapsed),
      fileVerifies: verified.ok && verified.entries === appends ? 'yes' : 'NO',
    });
  }
  console.log(
    `audit appends, each durable (fdatasync) before it resolves; ${seconds} s per case, ${tmpdir()}`,
  );
  console.table(rows);
} finally {
  await rm(dir, { recursive: true, force: true });
}
