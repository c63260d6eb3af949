/**
 * `npm run bench` (node --expose-gc --import tsx bench/run.ts [--quick]): runs every row in one
 * process run, prints one markdown table and the machine, and writes the same to bench/results.md.
 * `--quick` runs every row at a small size (a smoke test of the harness, not a measurement).
 * Progress goes to stderr; a row that throws becomes a FAILED line and the others still run.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { asyncCostRows, measureAsyncCost } from './async-cost.js';
import { auditRows, measureAudit } from './audit.js';
import { markdownTable, num, type BenchRow } from './bench-table.js';
import { endToEndRows, measureEndToEnd, type EndToEndResult } from './end-to-end.js';
import { fleetRows, measureFleet } from './fleet.js';
import { importBaselineRows, measureImportBaseline } from './import-baseline.js';
import { inflightHeapRows, measureInflightHeap } from './inflight-heap.js';
import { limitRows, measureLimit } from './limit.js';
import { describeCommit, describeMachine, machineInfo } from './machine.js';
import { measureMemory, memoryRows } from './memory.js';
import { measurePipeline, pipelineRows } from './pipeline.js';
import { measureRateLimit, rateLimitRows } from './rate-limit.js';
import { measureTokenError, tokenErrorRows } from './token-error.js';
import { copyBenchTableToReadme } from './readme-table.js';
import { measureStartup, startupRows } from './startup.js';
import { measureTokenizerWorstCase, tokenizerWorstCaseRows } from './tokenizer-worst-case.js';

const quick = process.argv.includes('--quick');
const machine = machineInfo();
const rows: BenchRow[] = [];
const figures: Record<string, unknown> = {};
const started = performance.now();

const progress = (text: string): void => {
  process.stderr.write(`[bench ${num((performance.now() - started) / 1000, 0)} s] ${text}\n`);
};

/** Runs one row; a failure becomes a table line instead of ending the run. */
async function row<T>(
  name: string,
  measure: () => Promise<T>,
  toRows: (result: T) => BenchRow[],
): Promise<T | undefined> {
  progress(`${name}...`);
  try {
    const result = await measure();
    figures[name] = result;
    rows.push(...toRows(result));
    return result;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    figures[name] = { failed: message };
    rows.push({ row: name, ours: `FAILED: ${message}`, peer: '-', ratio: '-', goal: '-', met: 'NO' });
    return undefined;
  }
}

/** The emulator's own throughput (bench/emulator-throughput.ts, another owner's), when it exists. */
async function emulatorCeiling(): Promise<void> {
  const file = fileURLToPath(new URL('./emulator-throughput.ts', import.meta.url));
  if (!existsSync(file)) return;
  const module = (await import(pathToFileURL(file).href)) as {
    measureEmulatorThroughput?: (options?: { conversations?: number; concurrency?: number }) => Promise<{
      conversationsPerSecond: number;
      requestsPerSecond?: number;
      chunksPerSecond: number;
      mismatches?: number;
      emulatorOn?: string;
    }>;
  };
  const measure = module.measureEmulatorThroughput;
  if (typeof measure !== 'function') return;
  await row(
    'emulator alone',
    () => measure({ conversations: quick ? 200 : 1000, concurrency: 100 }),
    (r) => [
      {
        row:
          `emulator alone: bench/emulator-throughput.ts (plain fetch + ws: create, subscribe, read, one shared channel; ` +
          `emulator in its ${r.emulatorOn ?? 'own process'}) — the ceiling of row 2's flow`,
        ours: `${num(r.conversationsPerSecond)} conversations/s`,
        peer: `${r.requestsPerSecond === undefined ? '' : `${num(r.requestsPerSecond)} requests/s, `}${num(r.chunksPerSecond)} chunks/s`,
        ratio: r.mismatches === undefined ? '-' : `${r.mismatches} mismatches`,
        goal: 'report',
        met: '-',
      },
    ],
  );
}

await row('pipeline', () => measurePipeline(quick ? { rounds: 2, roundMs: 300 } : {}), pipelineRows);
await row('token error', measureTokenError, tokenErrorRows);
await row(
  'tokenizer worst case',
  () => measureTokenizerWorstCase(quick ? { size: 100_000, rounds: 2 } : {}),
  tokenizerWorstCaseRows,
);
await row('start-up', () => measureStartup(quick ? { rounds: 3 } : {}), startupRows);
const e2e: EndToEndResult | undefined = await row(
  'end-to-end',
  () => measureEndToEnd(quick ? { injections: 200, warmup: 20 } : {}),
  endToEndRows,
);
// The seed design subscribes after its create call returns and the direct socket does not replay:
// with the emulator's 20 ms to first chunk it loses every answer's start. A model's real time to
// first token is hundreds of ms; this second line shows both sides then.
await row(
  'end-to-end, 300 ms to first chunk',
  () => measureEndToEnd({ firstChunkDelayMs: 300, ...(quick ? { injections: 200, warmup: 20 } : {}) }),
  (r) => endToEndRows(r, false),
);
await emulatorCeiling();
await row('limit', () => measureLimit(quick ? { repeats: 1, scale: 10 } : {}, progress), limitRows);
await row('async cost', () => measureAsyncCost(quick ? { injections: 300 } : {}), asyncCostRows);
await row('in-flight heap', () => measureInflightHeap(quick ? { injections: 500 } : {}), inflightHeapRows);
await row('rate limit', () => measureRateLimit(quick ? { injections: 100 } : {}), rateLimitRows);
await row(
  'rate limit, direct transport',
  () => measureRateLimit({ transport: 'direct', ...(quick ? { injections: 100 } : {}) }),
  rateLimitRows,
);
await row('fleet', () => measureFleet(quick ? { jobs: 100, throughputJobs: 200 } : {}), fleetRows);
await row('memory', () => measureMemory(quick ? { sizes: [200] } : {}), memoryRows);
await row('baseline memory', () => measureImportBaseline(quick ? 1 : 3), importBaselineRows);
// The paced phase waits the end-to-end row's mean injection time between a loop's appends.
const injectionMs = e2e?.ours.meanLatencyMs;
await row(
  'audit',
  () =>
    measureAudit({
      ...(quick ? { seconds: 0.5, verifyMiB: 16 } : {}),
      ...(injectionMs === undefined ? {} : { injectionMs }),
    }),
  auditRows,
);

const elapsed = (performance.now() - started) / 1000;
const table = markdownTable(rows);
const machineLine = `Machine: ${describeMachine(machine)}.`;
const commitLine = `Commit: ${describeCommit()}.`;
const runLine = `Run: \`npm run bench${quick ? ' -- --quick' : ''}\`, ${new Date().toISOString()}, ${num(elapsed)} s in all.`;
console.log(table);
console.log('');
console.log(machineLine);
console.log(commitLine);
console.log(runLine);

const results = [
  '# Benchmark results',
  '',
  quick ? '**Quick run (`--quick`): small sizes, a smoke test of the harness — not a measurement.**\n' : '',
  'Written by `npm run bench` (bench/run.ts); what each row measures is in bench/README.md.',
  '',
  table,
  '',
  machineLine,
  commitLine,
  runLine,
  '',
  '## All figures',
  '',
  '```json',
  JSON.stringify({ machine, figures }, null, 2),
  '```',
  '',
].join('\n');
// Formatted as the repository's `prettier --check .` expects.
const resultsUrl = new URL('./results.md', import.meta.url);
const prettier = await import('prettier');
const config = (await prettier.resolveConfig(fileURLToPath(resultsUrl))) ?? {};
await writeFile(resultsUrl, await prettier.format(results, { ...config, parser: 'markdown' }));
progress('done; written to bench/results.md');
// The README shows the same table; a quick run is a smoke test and never replaces it.
if (!quick) {
  await copyBenchTableToReadme();
  progress('table copied into README.md');
}
