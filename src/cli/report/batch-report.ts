/**
 * The figures of a batch run, from its results file: outcomes and error codes, latency percentiles,
 * tokens in and out, retries, and the run's time span. Pure: the caller reads the file.
 */
import type { BatchRecord, BatchResults } from '../batch/batch-journal.js';

/** One job as the report sees it: its latest record. */
export interface ReportJob {
  /** The job's id, or `line N` for a job without one. */
  label: string;
  record: BatchRecord;
  /** ms since the run's first start (undefined without `startedAt`). */
  startMs: number | undefined;
}

/** Nearest-rank percentiles of a sample. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** The summary `report` prints. */
export interface BatchReport {
  runId: string | undefined;
  createdAt: string | undefined;
  jobs: number;
  ok: number;
  failed: number;
  /** Records superseded by a later record of the same job (a retried failure, an edited job). */
  superseded: number;
  finishReasons: Record<string, number>;
  truncated: number;
  /** Failures by error code, with the jobs that failed so. */
  failures: Array<{ code: string; count: number; jobs: string[] }>;
  /** End-to-end ms per job (every job with a duration). */
  latencyMs: Percentiles | undefined;
  /** ms to the first answer chunk (successful streamed jobs). */
  firstChunkMs: Percentiles | undefined;
  tokens: { prompt: number; completion: number };
  retries: { total: number; jobsRetried: number; max: number };
  /** From the first start to the last finish, ms. */
  spanMs: number | undefined;
  unreadableLines: number;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** p50/p95/p99/max of `values`, or undefined when empty. */
export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** The latest record of each job, in the order jobs first appear; and how many were superseded. */
export function latestPerJob(records: readonly BatchRecord[]): { jobs: ReportJob[]; superseded: number } {
  const latest = new Map<string, BatchRecord>();
  for (const record of records) {
    const label = record.id ?? `line ${record.line}`;
    latest.delete(label); // re-insert: order by latest record
    latest.set(label, record);
  }
  const starts = [...latest.values()]
    .map((r) => (r.startedAt === undefined ? Number.NaN : Date.parse(r.startedAt)))
    .filter((t) => Number.isFinite(t));
  const origin = starts.length === 0 ? undefined : Math.min(...starts);
  const jobs = [...latest.entries()].map(([label, record]) => {
    const start = record.startedAt === undefined ? Number.NaN : Date.parse(record.startedAt);
    return {
      label,
      record,
      startMs: origin === undefined || !Number.isFinite(start) ? undefined : start - origin,
    };
  });
  jobs.sort((a, b) => a.record.line - b.record.line);
  return { jobs, superseded: records.length - latest.size };
}

/** Builds the report of a parsed results file. */
export function buildBatchReport(results: BatchResults): { report: BatchReport; jobs: ReportJob[] } {
  const { jobs, superseded } = latestPerJob(results.records);
  const finishReasons: Record<string, number> = {};
  const failures = new Map<string, string[]>();
  let truncated = 0;
  let prompt = 0;
  let completion = 0;
  let retriesTotal = 0;
  let jobsRetried = 0;
  let retriesMax = 0;
  let spanEnd: number | undefined;
  for (const { label, record, startMs } of jobs) {
    if (record.status === 'ok') {
      const reason = record.finishReason ?? 'unknown';
      finishReasons[reason] = (finishReasons[reason] ?? 0) + 1;
      if (record.truncated) truncated++;
    } else {
      const code = record.error?.code ?? 'unknown';
      failures.set(code, [...(failures.get(code) ?? []), label]);
    }
    prompt += record.usage?.promptTokens ?? 0;
    completion += record.usage?.completionTokens ?? 0;
    const retries = record.retries ?? 0;
    retriesTotal += retries;
    if (retries > 0) jobsRetried++;
    retriesMax = Math.max(retriesMax, retries);
    if (startMs !== undefined && record.durationMs !== undefined) {
      spanEnd = Math.max(spanEnd ?? 0, startMs + record.durationMs);
    }
  }
  const ok = jobs.filter((j) => j.record.status === 'ok');
  const report: BatchReport = {
    runId: results.header?.run.id,
    createdAt: results.header?.run.createdAt,
    jobs: jobs.length,
    ok: ok.length,
    failed: jobs.length - ok.length,
    superseded,
    finishReasons,
    truncated,
    failures: [...failures.entries()]
      .map(([code, labels]) => ({ code, count: labels.length, jobs: labels }))
      .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
    latencyMs: percentiles(
      jobs.flatMap((j) => (j.record.durationMs === undefined ? [] : [j.record.durationMs])),
    ),
    firstChunkMs: percentiles(
      ok.flatMap((j) => (j.record.firstChunkMs === undefined ? [] : [j.record.firstChunkMs])),
    ),
    tokens: { prompt, completion },
    retries: { total: retriesTotal, jobsRetried, max: retriesMax },
    spanMs: spanEnd,
    unreadableLines: results.unreadableLines,
  };
  return { report, jobs };
}
