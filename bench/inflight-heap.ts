/**
 * Heap per injection waiting for a connection, ours against the minimal client: 2,000 injections
 * start at once while the emulator holds every API answer (an injected latency of 30 s, set after a
 * warm-up), so 64 are on the wire and the rest wait for the 64-connection pool — the state most
 * injections are in at concurrency 1,000. Each side runs in a child process of its own (started with
 * `--expose-gc`); the figure is the growth of the heap after a full collection, one second after the
 * start, over the injections. What an injection keeps while it waits, every minor collection
 * copies.
 * Run alone: node --import tsx bench/inflight-heap.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { num, type BenchRow } from './bench-table.js';
import { openInjectingSide, prepareBuiltClients } from './built-clients.js';
import { reportToParent, resultOfChild } from './child-result.js';
import { startEmulatorProcess } from './emulator-process.js';

/** The figures of the row. */
export interface InflightHeapResult {
  injections: number;
  /** Heap bytes per waiting injection. */
  ours: number;
  minimal: number;
}

const WARMUP = 50;
const HOLD_MS = 30_000;

/** One side, in this process: heap growth per injection while they wait. */
async function measureSide(side: 'ours' | 'minimal', injections: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('inflight-heap needs node --expose-gc');
  prepareBuiltClients();
  const emulator = await startEmulatorProcess({
    rateLimit: false,
    chunkIntervalMs: 1,
    firstChunkDelayMs: 0,
    controlOpen: true,
  });
  const { inject, close } = await openInjectingSide(side, emulator, injections + WARMUP);
  try {
    await Promise.all(Array.from({ length: WARMUP }, (_, k) => inject(injections + k)));
    const faults = await fetch(`${emulator.baseUrl}/__emulator/faults`, {
      method: 'PUT',
      body: JSON.stringify({ latencyMs: HOLD_MS }),
    });
    if (!faults.ok) throw new Error(`the emulator refused the latency fault (${faults.status})`);
    await sleep(100);
    gc();
    const before = process.memoryUsage().heapUsed;
    // Failed by the close below, or left pending (the minimal client's agent drops its queue on
    // destroy): the child exits once it has reported.
    for (let i = 0; i < injections; i++) inject(i).catch(() => undefined);
    await sleep(1000);
    gc();
    const during = process.memoryUsage().heapUsed;
    await close();
    return (during - before) / injections;
  } finally {
    await emulator.close();
  }
}

/**
 * Both sides, each in a child process.
 * @param options injections at once (default 2,000)
 */
export async function measureInflightHeap(
  options: { injections?: number } = {},
): Promise<InflightHeapResult> {
  const injections = options.injections ?? 2000;
  const side = (name: 'ours' | 'minimal'): Promise<number> =>
    resultOfChild<number>(
      fileURLToPath(import.meta.url),
      ['--child', name, String(injections)],
      ['--expose-gc'],
    );
  return { injections, ours: await side('ours'), minimal: await side('minimal') };
}

/** The table row. */
export function inflightHeapRows(result: InflightHeapResult): BenchRow[] {
  return [
    {
      row: `limit: heap per injection waiting for a connection (${num(result.injections)} at once, 64-connection pool, the server holding every answer)`,
      ours: `${num(result.ours)} B`,
      peer: `${num(result.minimal)} B`,
      ratio: `${num(result.ours / result.minimal, 2)}x`,
      goal: 'report',
      met: '-',
    },
  ];
}

if (process.argv[2] === '--child') {
  const name = process.argv[3] === 'minimal' ? 'minimal' : 'ours';
  reportToParent(() => measureSide(name, Number(process.argv[4])));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureInflightHeap();
  for (const row of inflightHeapRows(result)) process.stdout.write(`${Object.values(row).join(' | ')}\n`);
}
