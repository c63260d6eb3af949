/**
 * Row 6: audit appends per second, each durable (the audit log syncs before an append resolves),
 * measured as bench/audit-append.ts does — one append at a time, then 100 concurrent appenders
 * (group commit) — and the append's share of an injection's time. bench/audit-append.ts is a
 * script with no exported function, so its measurement is repeated here rather than imported
 * (importing it would run it and print its own table).
 * Run alone: node --import tsx bench/audit.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, promptHash, verifyAuditLog } from '../src/observe/index.js';
import { num, type BenchRow } from './bench-table.js';

/** Options of `measureAudit`. */
export interface AuditOptions {
  /** Seconds per case (default 2). */
  seconds?: number;
  /** Appenders in flight in the group-commit case (default 100). */
  concurrency?: number;
}

/** One case's figures. */
export interface AuditCase {
  appends: number;
  appendsPerSecond: number;
  /** Mean ms from calling `append` to its resolution. */
  meanAppendMs: number;
  /** The file verified with exactly `appends` entries. */
  verified: boolean;
}

/** The figures of row 6. */
export interface AuditResult {
  directory: string;
  sequential: AuditCase;
  groupCommit: AuditCase;
  concurrency: number;
}

async function runCase(path: string, seconds: number, workers: number): Promise<AuditCase> {
  const hash = promptHash({ bench: true });
  const log = await AuditLog.open(path);
  let n = 0;
  let totalMs = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const i = n++;
      const t0 = performance.now();
      await log.append({
        conversationId: `conv-${i}`,
        assistantId: 'assistant-1',
        promptHash: hash,
        userId: 'bench',
      });
      totalMs += performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await log.close();
  const verification = await verifyAuditLog(path);
  return {
    appends: n,
    appendsPerSecond: n / elapsed,
    meanAppendMs: totalMs / n,
    verified: verification.ok && verification.entries === n,
  };
}

/**
 * Measures audit appends in a temporary directory (removed afterwards).
 * @param options seconds per case and group-commit concurrency
 */
export async function measureAudit(options: AuditOptions = {}): Promise<AuditResult> {
  const seconds = options.seconds ?? 2;
  const concurrency = options.concurrency ?? 100;
  const dir = await mkdtemp(join(tmpdir(), 'audit-bench-'));
  try {
    const sequential = await runCase(join(dir, 'sequential.jsonl'), seconds, 1);
    const groupCommit = await runCase(join(dir, 'group.jsonl'), seconds, concurrency);
    return { directory: tmpdir(), sequential, groupCommit, concurrency };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The table rows of row 6.
 * @param result the audit figures
 * @param meanInjectionMs mean end-to-end injection latency of row 2 (ours), when measured
 */
export function auditRows(result: AuditResult, meanInjectionMs: number | undefined): BenchRow[] {
  const c = (a: AuditCase): string =>
    `${num(a.appendsPerSecond)} appends/s, mean ${num(a.meanAppendMs, 2)} ms each${a.verified ? '' : ' (FILE DID NOT VERIFY)'}`;
  const share = (ms: number): string =>
    meanInjectionMs === undefined || meanInjectionMs === 0
      ? '-'
      : `${num((ms / meanInjectionMs) * 100, 1)} %`;
  const injection =
    meanInjectionMs === undefined ? 'not measured' : `${num(meanInjectionMs)} ms mean injection (row 2)`;
  return [
    {
      row: `audit append with fsync, 1 in flight (share of an injection's time) — ${result.directory}`,
      ours: c(result.sequential),
      peer: injection,
      ratio: share(result.sequential.meanAppendMs),
      goal: 'report',
      met: '-',
    },
    {
      row: `audit append with fsync, ${result.concurrency} in flight (group commit)`,
      ours: c(result.groupCommit),
      peer: injection,
      ratio: share(result.groupCommit.meanAppendMs),
      goal: 'report',
      met: '-',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await measureAudit(), null, 2));
}
