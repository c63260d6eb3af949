/**
 * Audit rows: appends per second, each durable before it resolves, to the file trail with 1 and 4
 * writer processes and to PostgreSQL with 1 and 4 writers, 100 appends in flight in all, back to back
 * (the trail's capacity); and each one's share of an injection's time at concurrency 100 — 100 loops
 * in all that each wait an injection's time (the end-to-end row's mean) and then append, the load
 * an injector running 100 injections puts on its trail — as the mean append latency over that time.
 * Then the verifier: a 64 MB last line with no newline, and a large trail in streaming memory. Also
 * one append at a time in process, the floor a lone injection pays.
 * Run alone: node --import tsx bench/audit.ts [--quick]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { chainEntries, EMPTY_CHAIN_HEAD } from '../src/observe/audit-chain.js';
import { AuditLog } from '../src/observe/audit-log.js';
import { verifyAuditLog } from '../src/observe/audit-verify.js';
import { promptHash } from '../src/observe/canonical-json.js';
import type { AuditWriterConfig, AuditWriterFigures, AuditWriterPhase } from './audit-writer-child.js';
import { metCell, num, type BenchRow } from './bench-table.js';

const CHILD = fileURLToPath(new URL('./audit-writer-child.ts', import.meta.url));
const DATABASE = process.env.AUDIT_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Options of `measureAudit`. */
export interface AuditOptions {
  /** Seconds per append case (default 3). */
  seconds?: number;
  /** Appends in flight in all, split across the writers (default 100). */
  concurrency?: number;
  /** Size of the trail the streaming verification reads, in MiB (default 256). */
  verifyMiB?: number;
  /** An injection's mean time, ms: the pause of the paced phase (default 350). */
  injectionMs?: number;
}

/** One append case's figures. */
export interface AppendCase {
  writers: number;
  appends: number;
  appendsPerSecond: number;
  /** Mean ms from calling `append` to its resolution. */
  meanAppendMs: number;
  /** At an injection's pace: mean append ms, and how many. */
  pacedMeanAppendMs: number;
  pacedAppends: number;
  /** The trail verified afterwards with exactly the entries of both phases. */
  verified: boolean;
}

/** The verifier's figures. */
export interface VerifyCase {
  /** ms to reject a trail whose last line is 64 MiB with no newline. */
  longLineMs: number;
  longLineRejected: boolean;
  /** The large trail: its size, time, and the process's peak resident memory over the baseline. */
  trailMiB: number;
  entries: number;
  verifyMs: number;
  peakRssGrowthMiB: number;
  verified: boolean;
}

/** The audit figures. */
export interface AuditResult {
  directory: string;
  concurrency: number;
  injectionMs: number;
  sequential: AppendCase;
  file1: AppendCase;
  file4: AppendCase;
  postgres1: AppendCase | { failed: string };
  postgres4: AppendCase | { failed: string };
  verify: VerifyCase;
}

interface Writer {
  child: ChildProcess;
  /** Resolves with the figures of the next phase. */
  next: () => Promise<AuditWriterFigures>;
  exited: Promise<void>;
}

function startWriter(config: AuditWriterConfig): Promise<Writer> {
  const child = fork(CHILD, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let waiting: ((figures: AuditWriterFigures) => void) | undefined;
  const next = (): Promise<AuditWriterFigures> =>
    new Promise((resolve, reject) => {
      waiting = resolve;
      void exited.then(() => reject(new Error('audit writer exited before reporting')));
    });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`audit writer exited early (code ${code})`));
    child.once('exit', onExit);
    child.on('message', (raw: unknown) => {
      const message = raw as { type?: string };
      if (message.type === 'ready') {
        child.off('exit', onExit);
        resolve({ child, next, exited });
      } else if (message.type === 'done') waiting?.(raw as AuditWriterFigures);
    });
  });
}

/** Runs one phase on every writer at once; returns the summed figures and the longest elapsed time. */
async function runPhase(
  writers: Writer[],
  phase: Omit<AuditWriterPhase, 'type' | 'firstLoop' | 'totalLoops'>,
): Promise<{ appends: number; appendMs: number; elapsedMs: number }> {
  const done = writers.map((w) => w.next());
  writers.forEach((w, k) =>
    w.child.send({
      type: 'go',
      ...phase,
      firstLoop: k * phase.concurrency,
      totalLoops: writers.length * phase.concurrency,
    }),
  );
  const figures = await Promise.all(done);
  return {
    appends: figures.reduce((sum, f) => sum + f.appends, 0),
    appendMs: figures.reduce((sum, f) => sum + f.appendMs, 0),
    elapsedMs: Math.max(...figures.map((f) => f.elapsedMs)),
  };
}

/**
 * `writers` processes on one trail: back to back, then at an injection's pace, `concurrency` loops
 * in all; then the trail is verified.
 */
async function processCase(
  target: string,
  writers: number,
  concurrency: number,
  seconds: number,
  injectionMs: number,
  verify: () => Promise<number | undefined>,
): Promise<AppendCase> {
  const started = await Promise.all(
    Array.from({ length: writers }, (_, i) => startWriter({ target, name: `w${i}` })),
  );
  const each = Math.ceil(concurrency / writers);
  try {
    const saturated = await runPhase(started, { seconds, concurrency: each, pauseMs: 0 });
    const paced = await runPhase(started, {
      seconds: Math.max(seconds, (injectionMs / 1000) * 4),
      concurrency: each,
      pauseMs: injectionMs,
    });
    for (const w of started) w.child.send({ type: 'close' });
    await Promise.all(started.map((w) => w.exited));
    const entries = await verify();
    return {
      writers,
      appends: saturated.appends,
      appendsPerSecond: saturated.appends / (saturated.elapsedMs / 1000),
      meanAppendMs: saturated.appendMs / saturated.appends,
      pacedMeanAppendMs: paced.appendMs / paced.appends,
      pacedAppends: paced.appends,
      verified: entries === saturated.appends + paced.appends,
    };
  } finally {
    for (const w of started) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}

/** One append at a time, in this process: the floor a lone injection pays. */
async function sequentialCase(path: string, seconds: number): Promise<AppendCase> {
  const log = await AuditLog.open(path);
  const hash = promptHash({ bench: true });
  let appends = 0;
  let appendMs = 0;
  const started = performance.now();
  while (performance.now() < started + seconds * 1000) {
    const t0 = performance.now();
    await log.append({
      conversationId: `c-${appends}`,
      assistantId: 'assistant-1',
      promptHash: hash,
      userId: 'bench',
    });
    appendMs += performance.now() - t0;
    appends += 1;
  }
  const elapsedMs = performance.now() - started;
  await log.close();
  const result = await verifyAuditLog(path);
  return {
    writers: 1,
    appends,
    appendsPerSecond: appends / (elapsedMs / 1000),
    meanAppendMs: appendMs / appends,
    pacedMeanAppendMs: appendMs / appends,
    pacedAppends: appends,
    verified: result.ok && result.entries === appends,
  };
}

async function postgresCases(
  concurrency: number,
  seconds: number,
  injectionMs: number,
): Promise<[AppendCase | { failed: string }, AppendCase | { failed: string }]> {
  const schemaBase = `audit_bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: DATABASE, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    const failed = `PostgreSQL at ${DATABASE} not reachable: ${(error as Error).message}`;
    return [{ failed }, { failed }];
  }
  try {
    const run = async (writers: number): Promise<AppendCase> => {
      const schema = `${schemaBase}_${writers}`;
      const url = `${DATABASE}?schema=${schema}`;
      try {
        return await processCase(url, writers, concurrency, seconds, injectionMs, async () => {
          const result = await verifyAuditLog(url);
          return result.ok ? result.entries : undefined;
        });
      } finally {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }
    };
    return [await run(1), await run(4)];
  } finally {
    await admin.end();
  }
}

/** Writes a valid trail of about `mib` MiB straight to disk (no sync per entry: only its bytes matter). */
async function writeLargeTrail(path: string, mib: number): Promise<{ entries: number; bytes: number }> {
  const out = createWriteStream(path);
  const hash = promptHash({ bench: 'verify' });
  let head = EMPTY_CHAIN_HEAD;
  let bytes = 0;
  const timestamp = new Date().toISOString();
  while (bytes < mib * 1024 * 1024) {
    const fields = Array.from({ length: 1000 }, (_, i) => ({
      conversationId: `conv-${head.seq + i}`,
      assistantId: 'assistant-1',
      promptHash: hash,
      userId: 'bench',
    }));
    const chained = chainEntries(head, fields, timestamp);
    head = chained.head;
    const text = `${chained.lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { entries: head.seq, bytes };
}

async function verifyCase(dir: string, mib: number): Promise<VerifyCase> {
  // A 64 MiB last line with no newline, after two valid entries.
  const longPath = join(dir, 'long-line.jsonl');
  const log = await AuditLog.open(longPath, { checkpointIntervalMs: 0 });
  for (let i = 0; i < 2; i += 1) {
    await log.append({ conversationId: `c-${i}`, assistantId: 'a', promptHash: promptHash(i), userId: 'u' });
  }
  await log.close();
  await appendFile(longPath, Buffer.alloc(64 * 1024 * 1024, 0x78));
  await writeFile(`${longPath}.checkpoints`, '');
  let t0 = performance.now();
  const long = await verifyAuditLog(longPath);
  const longLineMs = performance.now() - t0;

  const bigPath = join(dir, 'large.jsonl');
  const { entries, bytes } = await writeLargeTrail(bigPath, mib);
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  t0 = performance.now();
  const big = await verifyAuditLog(bigPath);
  const verifyMs = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    longLineMs,
    // Longer than any entry, so not a write a crash cut short: malformed.
    longLineRejected: long.status === 'broken' && long.brokenAt.reason === 'malformed' && long.entries === 2,
    trailMiB: bytes / 1024 / 1024,
    entries,
    verifyMs,
    peakRssGrowthMiB: (peak - baseline) / 1024 / 1024,
    verified: big.ok && big.entries === entries && (await stat(bigPath)).size === bytes,
  };
}

/**
 * Measures the audit rows in a temporary directory (removed afterwards) and, for PostgreSQL, fresh
 * schemas (dropped afterwards).
 * @param options seconds per case, appends in flight, size of the verified trail
 */
export async function measureAudit(options: AuditOptions = {}): Promise<AuditResult> {
  const seconds = options.seconds ?? 3;
  const concurrency = options.concurrency ?? 100;
  const injectionMs = options.injectionMs ?? 350;
  const dir = await mkdtemp(join(tmpdir(), 'audit-bench-'));
  try {
    const sequential = await sequentialCase(join(dir, 'sequential.jsonl'), Math.min(seconds, 2));
    const fileCase = async (writers: number): Promise<AppendCase> => {
      const path = join(dir, `file-${writers}.jsonl`);
      return processCase(path, writers, concurrency, seconds, injectionMs, async () => {
        const result = await verifyAuditLog(path);
        return result.ok ? result.entries : undefined;
      });
    };
    const file1 = await fileCase(1);
    const file4 = await fileCase(4);
    const [postgres1, postgres4] = await postgresCases(concurrency, seconds, injectionMs);
    const verify = await verifyCase(dir, options.verifyMiB ?? 256);
    return {
      directory: tmpdir(),
      concurrency,
      injectionMs,
      sequential,
      file1,
      file4,
      postgres1,
      postgres4,
      verify,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The table rows.
 * @param result the audit figures
 * @param meanInjectionMs mean end-to-end injection latency (the end-to-end row, ours), when measured
 */
export function auditRows(result: AuditResult): BenchRow[] {
  const share = (a: AppendCase): number => (a.pacedMeanAppendMs / result.injectionMs) * 100;
  const figures = (a: AppendCase): string =>
    `${num(a.appendsPerSecond)} appends/s back to back (mean ${num(a.meanAppendMs, 1)} ms); at 100 injections' pace mean ${num(a.pacedMeanAppendMs, 2)} ms = ${num(share(a), 1)} % of an injection${a.verified ? '' : ' (TRAIL DID NOT VERIFY)'}`;
  const injection = `${num(result.injectionMs)} ms injection`;
  const inFlight = `${result.concurrency} in flight in all`;
  const rows: BenchRow[] = [
    {
      row: `audit file trail, 1 append at a time in process (fsync each) — ${result.directory}`,
      ours: `${num(result.sequential.appendsPerSecond)} appends/s, mean ${num(result.sequential.meanAppendMs, 2)} ms each${result.sequential.verified ? '' : ' (TRAIL DID NOT VERIFY)'}`,
      peer: injection,
      ratio: `${num((result.sequential.meanAppendMs / result.injectionMs) * 100, 1)} %`,
      goal: 'report',
      met: '-',
    },
    {
      row: `audit file trail, 1 writer process, ${inFlight} (group commit)`,
      ours: figures(result.file1),
      peer: injection,
      ratio: `${num(share(result.file1), 1)} %`,
      goal: 'report',
      met: '-',
    },
  ];
  const file4Ratio = result.file4.appendsPerSecond / result.file1.appendsPerSecond;
  rows.push({
    row: `audit file trail, 4 writer processes on one file (OS lock), ${inFlight}`,
    ours: figures(result.file4),
    peer: `${num(result.file1.appendsPerSecond)} appends/s with 1 writer`,
    ratio: `${num(file4Ratio, 2)}x`,
    goal: '≥ 0.5x of 1 writer',
    met: metCell(file4Ratio >= 0.5 && result.file4.verified),
  });
  for (const [writers, c] of [
    [1, result.postgres1],
    [4, result.postgres4],
  ] as const) {
    const row = `audit PostgreSQL trail, ${writers === 1 ? '1 writer' : `${writers} writer processes`} (head row lock, one transaction per batch), ${inFlight}`;
    if ('failed' in c) {
      rows.push({
        row,
        ours: `FAILED: ${c.failed}`,
        peer: '-',
        ratio: '-',
        goal: '< 5 % of an injection',
        met: 'NO',
      });
      continue;
    }
    rows.push({
      row,
      ours: figures(c),
      peer: injection,
      ratio: `${num(share(c), 1)} %`,
      goal: '< 5 % of an injection',
      met: metCell(share(c) < 5 && c.verified),
    });
  }
  const v = result.verify;
  rows.push(
    {
      row: 'audit verify: a trail whose last line is 64 MiB with no newline',
      ours: `${num(v.longLineMs)} ms${v.longLineRejected ? ', rejected (malformed)' : ' (NOT REJECTED)'}`,
      peer: '81 s before (the line re-concatenated per chunk)',
      ratio: '-',
      goal: '< 1 s',
      met: metCell(v.longLineMs < 1000 && v.longLineRejected),
    },
    {
      row: `audit verify: a ${num(v.trailMiB)} MiB trail (${num(v.entries)} entries), streaming`,
      ours: `${num(v.trailMiB / (v.verifyMs / 1000), 1)} MiB/s (${num(v.verifyMs / 1000, 1)} s)${v.verified ? '' : ' (DID NOT VERIFY)'}`,
      peer: `peak memory +${num(v.peakRssGrowthMiB, 1)} MiB over the baseline`,
      ratio: '-',
      goal: 'memory flat (< 64 MiB growth)',
      met: metCell(v.peakRssGrowthMiB < 64 && v.verified),
    },
  );
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const result = await measureAudit(quick ? { seconds: 1, verifyMiB: 16 } : {});
  console.log(JSON.stringify(result, null, 2));
  for (const row of auditRows(result))
    console.log(`${row.row}: ${row.ours} | ${row.peer} | ${row.ratio} | ${row.met}`);
}
