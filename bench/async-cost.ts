/**
 * Async work per injection, ours against the minimal client (`minimal-client.ts`): the promises,
 * timers and next-tick callbacks each side creates per injection, counted by an `async_hooks` init
 * hook, at concurrency 100 against an emulator process whose first chunk comes 20 ms after the
 * create. Each is an allocation, most a turn of the microtask queue, and an injection keeps its
 * pending ones while it waits. Counted, not timed: the figures do not depend on the machine. While a
 * hook is on V8 also counts the throwaway promise of each `await`, on both sides alike; the hook
 * runs in a child process of its own, so it slows nothing else. A second pass, without the hook,
 * counts the bytes each side allocates per injection: V8's sampling heap profiler, with the objects
 * later collected included (a sample every 1 KiB allocated on average, so thousands of injections
 * make the mean exact to about a per cent).
 * Run alone: node --import tsx bench/async-cost.ts
 */
import { createHook } from 'node:async_hooks';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import { num, type BenchRow } from './bench-table.js';
import { openInjectingSide, prepareBuiltClients } from './built-clients.js';
import { reportToParent, resultOfChild } from './child-result.js';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process.js';
import { runPool } from './run-pool.js';

/** Async resources created per injection, by kind, and the bytes allocated per injection. */
export interface AsyncCounts {
  promises: number;
  timers: number;
  ticks: number;
  allocatedBytes: number;
}

/** The figures of the row. */
export interface AsyncCostResult {
  injections: number;
  concurrency: number;
  ours: AsyncCounts;
  minimal: AsyncCounts;
}

const KINDS: Record<string, keyof AsyncCounts> = {
  PROMISE: 'promises',
  Timeout: 'timers',
  TickObject: 'ticks',
};

/** Counts what `inject` creates over `injections` injections, after a warm-up. */
async function count(
  injections: number,
  concurrency: number,
  inject: (i: number) => Promise<unknown>,
): Promise<AsyncCounts> {
  await runPool(concurrency * 2, concurrency, (k) => inject(injections + k));
  const counts: AsyncCounts = { promises: 0, timers: 0, ticks: 0, allocatedBytes: 0 };
  const hook = createHook({
    init(_id, type) {
      const kind = KINDS[type];
      if (kind !== undefined) counts[kind] += 1;
    },
  });
  hook.enable();
  const pool = await runPool(injections, concurrency, inject);
  hook.disable();
  const failed = pool.outcomes.filter((outcome) => !outcome.ok).length;
  if (failed > 0) throw new Error(`${failed} of ${injections} injections failed`);
  return {
    promises: counts.promises / injections,
    timers: counts.timers / injections,
    ticks: counts.ticks / injections,
    allocatedBytes: (await allocatedBytes(injections, concurrency, inject)) / injections,
  };
}

/** A node of V8's sampling heap profile. */
interface SampledNode {
  selfSize: number;
  children: SampledNode[];
}

/** Bytes allocated over `injections` more injections (indices after the counted ones), sampled. */
async function allocatedBytes(
  injections: number,
  concurrency: number,
  inject: (i: number) => Promise<unknown>,
): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const pool = await runPool(injections, concurrency, (k) => inject(injections + concurrency * 2 + k));
    const { profile } = await session.post('HeapProfiler.stopSampling');
    if (pool.outcomes.some((outcome) => !outcome.ok)) throw new Error('an injection failed');
    const total = (node: SampledNode): number =>
      node.children.reduce((sum, child) => sum + total(child), node.selfSize);
    return total(profile.head as SampledNode);
  } finally {
    session.disconnect();
  }
}

/** The child's work: both sides, one after the other, each against an emulator process of its own. */
async function measureHere(injections: number, concurrency: number): Promise<AsyncCostResult> {
  prepareBuiltClients();
  const options = { rateLimit: false, chunkIntervalMs: 1, firstChunkDelayMs: 20 } as const;
  const ourEmulator = await startEmulatorProcess(options);
  const minimalEmulator = await startEmulatorProcess(options);
  try {
    // Indices: the warm-up, the counted injections, then the allocation pass (see `count`).
    const bodies = 2 * injections + concurrency * 2;
    const counted = async (side: 'ours' | 'minimal', emulator: EmulatorProcess): Promise<AsyncCounts> => {
      const { inject, close } = await openInjectingSide(side, emulator, bodies);
      try {
        return await count(injections, concurrency, inject);
      } finally {
        await close();
      }
    };
    const ours = await counted('ours', ourEmulator);
    const minimal = await counted('minimal', minimalEmulator);
    return { injections, concurrency, ours, minimal };
  } finally {
    await Promise.all([ourEmulator.close(), minimalEmulator.close()]);
  }
}

/**
 * Counts both sides in a child process.
 * @param options injections counted per side (default 2,000), concurrency (default 100)
 */
export function measureAsyncCost(
  options: { injections?: number; concurrency?: number } = {},
): Promise<AsyncCostResult> {
  const args = [String(options.injections ?? 2000), String(options.concurrency ?? 100)];
  return resultOfChild<AsyncCostResult>(fileURLToPath(import.meta.url), ['--child', ...args]);
}

/** The table row. */
export function asyncCostRows(result: AsyncCostResult): BenchRow[] {
  const cell = (c: AsyncCounts): string => `${num(c.promises, 1)} / ${num(c.timers, 1)} / ${num(c.ticks, 1)}`;
  return [
    {
      row: `limit: async work per injection, concurrency ${result.concurrency} (first chunk 20 ms): promises / timers / next-tick callbacks created (async_hooks, ${num(result.injections)} injections a side)`,
      ours: cell(result.ours),
      peer: cell(result.minimal),
      ratio: `${num(result.ours.promises / result.minimal.promises, 2)}x promises`,
      goal: 'report',
      met: '-',
    },
    {
      row: `limit: bytes allocated per injection, concurrency ${result.concurrency} (first chunk 20 ms; V8 sampling heap profiler, collected objects included, ${num(result.injections)} injections a side)`,
      ours: `${num(result.ours.allocatedBytes / 1024, 1)} KiB`,
      peer: `${num(result.minimal.allocatedBytes / 1024, 1)} KiB`,
      ratio: `${num(result.ours.allocatedBytes / result.minimal.allocatedBytes, 2)}x`,
      goal: 'report',
      met: '-',
    },
  ];
}

if (process.argv[2] === '--child') {
  reportToParent(() => measureHere(Number(process.argv[3]), Number(process.argv[4])));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureAsyncCost();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const row of asyncCostRows(result)) process.stdout.write(`${Object.values(row).join(' | ')}\n`);
}
