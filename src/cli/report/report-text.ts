/**
 * The plain-text summary `genesys-prompt report` prints.
 */
import type { BatchReport, Percentiles } from './batch-report.js';

const number = (n: number): string => n.toLocaleString('en-US');

/** `p50 120 ms · p95 300 ms · p99 410 ms · max 500 ms (n=6)`. */
export function percentilesText(p: Percentiles | undefined): string {
  if (p === undefined) return 'none recorded';
  return `p50 ${number(p.p50)} ms · p95 ${number(p.p95)} ms · p99 ${number(p.p99)} ms · max ${number(p.max)} ms (${number(p.count)} jobs)`;
}

/** Jobs listed for a failure code, shortened past `limit`. */
export function jobList(jobs: readonly string[], limit = 10): string {
  const shown = jobs.slice(0, limit).join(', ');
  return jobs.length > limit ? `${shown}, … (${jobs.length - limit} more)` : shown;
}

/** The summary's lines. */
export function reportLines(file: string, r: BatchReport): string[] {
  const lines = [
    `${file}: run ${r.runId ?? '(no run header)'}${r.createdAt ? ` started ${r.createdAt}` : ''}`,
  ];
  const reasons = Object.entries(r.finishReasons)
    .map(([reason, count]) => `${reason} ${number(count)}`)
    .join(', ');
  lines.push(
    `  jobs:      ${number(r.jobs)} — ${number(r.ok)} ok${reasons ? ` (${reasons}${r.truncated ? `; ${number(r.truncated)} truncated` : ''})` : ''}, ${number(r.failed)} failed`,
  );
  for (const failure of r.failures) {
    lines.push(`    ${failure.code}: ${number(failure.count)} — ${jobList(failure.jobs)}`);
  }
  lines.push(`  latency:   ${percentilesText(r.latencyMs)}`);
  lines.push(`  1st chunk: ${percentilesText(r.firstChunkMs)}`);
  const perJob =
    r.jobs === 0
      ? ''
      : ` (${number(Math.round(r.tokens.prompt / r.jobs))} + ${number(Math.round(r.tokens.completion / r.jobs))} per job)`;
  lines.push(`  tokens:    ${number(r.tokens.prompt)} in, ${number(r.tokens.completion)} out${perJob}`);
  lines.push(
    `  retries:   ${number(r.retries.total)} in ${number(r.retries.jobsRetried)} jobs${r.retries.max > 0 ? ` (at most ${number(r.retries.max)} for one job)` : ''}`,
  );
  if (r.spanMs !== undefined) {
    const rate = r.spanMs > 0 ? ` — ${((r.jobs * 1000) / r.spanMs).toFixed(1)} jobs/s` : '';
    lines.push(`  span:      ${(r.spanMs / 1000).toFixed(1)} s from first start to last finish${rate}`);
  }
  if (r.superseded > 0)
    lines.push(`  (${number(r.superseded)} earlier records of the same jobs not counted)`);
  if (r.unreadableLines > 0) lines.push(`  (${number(r.unreadableLines)} unreadable lines skipped)`);
  return lines;
}
