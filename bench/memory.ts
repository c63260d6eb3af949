/**
 * Row 4: client heap per concurrent stream and sockets used, at 1,000 and 10,000 concurrent
 * conversations, our injector (notification transport: conversations multiplexed on channel
 * sockets) against the seed design (one socket per conversation).
 *
 * Per case: a fresh emulator process streaming slowly (one token every 5 s, so every answer takes
 * over three minutes); a fresh client; baseline = heap used after `gc()` once the client is logged in;
 * then n injections are started (at most 200 at a time before their stream has started, so neither
 * side floods the server with n simultaneous connects), we wait until all n stream and the client
 * has gone quiet (no new requests for a second), run `gc()`, read the heap, and close. bytes per
 * stream = (heap used - baseline) / n. The emulator runs in its own process, so its memory is not
 * counted, and each process has its own open-file limit: the seed design needs one descriptor per
 * conversation in the client, so a case whose n exceeds `ulimit -n` is reported, not run.
 * Both sides are warmed up first (JIT, module loading) against a fast emulator. Ours runs as the
 * built package and the minimal client as plain JavaScript (`built-clients.ts`); the seed design's
 * copy runs from source through tsx.
 * Run alone: node --expose-gc --import tsx bench/memory.ts
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { metCell, num, type BenchRow } from './bench-table.js';
import { importMinimal, openOurInjector, prepareBuiltClients } from './built-clients.js';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process.js';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';
import { openFileLimit } from './machine.js';
import { bodyOf } from './limit-bodies.js';
import { runPool } from './run-pool.js';
import { SeedGenesysPromptInjector } from './seed-design/seed-injector.js';

/** Options of `measureMemory`. */
export interface MemoryOptions {
  /** Concurrent conversations per case (default [1000, 10000]). */
  sizes?: number[];
  /** Emulator delay between chunks (default 5000 ms). */
  chunkIntervalMs?: number;
  /** Injections started but not yet streaming, at most (default 200). */
  maxStarting?: number;
  /** Give up waiting for all streams after this long (default 120 000 ms). */
  readyTimeoutMs?: number;
}

/** Our injector, the seed design, or the minimal correct client (the limit, `minimal-client.ts`). */
export type MemorySideName = 'ours' | 'seed' | 'minimal';

/** One case (side x size). */
export interface MemoryCase {
  side: MemorySideName;
  conversations: number;
  /** Set when the case was not run or did not finish; the figures are then 0. */
  skipped?: string;
  heapBytesPerStream: number;
  /** Resident set growth per stream (heap, sockets' native buffers, everything). */
  rssBytesPerStream: number;
  sockets: number;
  /** ms from the first injection to all n streaming. */
  rampMs: number;
}

/** The figures of row 4. */
export interface MemoryResult {
  openFileLimit: number | undefined;
  cases: MemoryCase[];
}

interface MemorySide {
  inject(i: number): Promise<unknown>;
  /** Injections whose stream has started. */
  started(): number;
  /** Sockets the client opened so far. */
  sockets(): number;
  close(): Promise<void>;
}

const collect: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function settledHeap(): { heap: number; rss: number } {
  for (let i = 0; i < 3; i++) collect();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every promise settles, or `ms` passes; leaves no timer behind. */
async function settledWithin(promises: ReadonlyArray<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}

/**
 * The minimal client with its create bodies built before the baseline (our pipeline's bytes; it
 * does not pay for the pipeline, so its bodies are not per-stream memory either).
 */
async function openMinimal(emulator: EmulatorProcess, bodies: number): Promise<MemorySide> {
  const prepared = Array.from({ length: bodies }, (_, i) => bodyOf(i));
  const { MinimalClient } = await importMinimal();
  const client = await MinimalClient.open({
    baseUrl: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
  return {
    inject: (i) => {
      const body = prepared[i];
      if (body === undefined) throw new Error(`no body prepared for injection ${i}`);
      return client.inject(BENCH_ASSISTANT_ID, body);
    },
    started: () => client.stats.subscribed,
    sockets: () => client.stats.channels,
    close: async () => client.close(),
  };
}

async function openSide(side: MemorySideName, emulator: EmulatorProcess, bodies = 0): Promise<MemorySide> {
  if (side === 'minimal') return openMinimal(emulator, bodies);
  if (side === 'ours') {
    const injector = await openOurInjector(emulator, 600_000);
    let started = 0;
    return {
      inject: (i) =>
        injector.injectPrompt(BENCH_ASSISTANT_ID, INJECTION_TEMPLATE, INJECTION_EXAMPLES, {
          variables: { productType: productTypeOf(i) },
        }),
      started: () => {
        // liveStreams falls as streams end; the largest value seen is the number started so far.
        started = Math.max(started, injector.streamStats().liveStreams);
        return started;
      },
      sockets: () => injector.streamStats().socketsOpened,
      close: () => injector.close(),
    };
  }
  const injector = new SeedGenesysPromptInjector(emulator.baseUrl, emulator.clientId, emulator.clientSecret);
  await injector.initialize();
  return {
    inject: (i) =>
      injector.injectPrompt(
        BENCH_ASSISTANT_ID,
        { ...INJECTION_TEMPLATE, variables: { productType: productTypeOf(i) } },
        INJECTION_EXAMPLES,
      ),
    started: () => injector.socketStats().socketsConnected,
    sockets: () => injector.socketStats().socketsOpened,
    // The seed has no close(); its sockets end when the emulator closes them.
    close: async () => undefined,
  };
}

/** Runs a few quick injections per side so JIT and module loading are not counted as per-stream memory. */
async function warmUp(): Promise<void> {
  const emulator = await startEmulatorProcess({ rateLimit: false, chunkIntervalMs: 1 });
  try {
    for (const name of SIDES) {
      const side = await openSide(name, emulator, 200);
      await runPool(200, 50, (i) => side.inject(i));
      await side.close();
    }
  } finally {
    await emulator.close();
  }
}

const SIDES: readonly MemorySideName[] = ['ours', 'seed', 'minimal'];

async function measureCase(
  side: MemorySideName,
  n: number,
  options: Required<MemoryOptions>,
  fileLimit: number | undefined,
): Promise<MemoryCase> {
  const empty = {
    side,
    conversations: n,
    heapBytesPerStream: 0,
    rssBytesPerStream: 0,
    sockets: 0,
    rampMs: 0,
  };
  // The seed design holds one socket per conversation plus its HTTP connections.
  const needed = side === 'seed' ? n + options.maxStarting + 100 : options.maxStarting + 100;
  if (fileLimit !== undefined && needed > fileLimit) {
    return { ...empty, skipped: `needs ~${num(needed)} open files; ulimit -n is ${num(fileLimit)}` };
  }
  const emulator = await startEmulatorProcess({
    rateLimit: false,
    firstChunkDelayMs: 50,
    chunkIntervalMs: options.chunkIntervalMs,
    tokensPerChunk: 1,
  });
  const pending: Array<Promise<unknown>> = [];
  let client: MemorySide | undefined;
  try {
    client = await openSide(side, emulator, n);
    const baseline = settledHeap();
    const rampStart = performance.now();
    const deadline = rampStart + options.readyTimeoutMs;
    let failure: unknown;
    for (let i = 0; i < n; i++) {
      while (i - client.started() >= options.maxStarting && performance.now() < deadline) await sleep(5);
      pending.push(client.inject(i).catch((error: unknown) => (failure ??= error)));
    }
    while (client.started() < n && failure === undefined && performance.now() < deadline) await sleep(20);
    if (client.started() < n) {
      const reason = failure instanceof Error ? `${failure.name}: ${failure.message}` : 'timed out';
      return { ...empty, skipped: `only ${client.started()} of ${n} streams started (${reason})` };
    }
    const rampMs = performance.now() - rampStart;
    // Quiet: subscriptions and reconciling reads are done when the server sees no new request for 1 s.
    let requests = (await emulator.stats()).requests;
    for (;;) {
      await sleep(1000);
      const now = (await emulator.stats()).requests;
      if (now === requests || performance.now() > deadline) break;
      requests = now;
    }
    const loaded = settledHeap();
    return {
      side,
      conversations: n,
      heapBytesPerStream: (loaded.heap - baseline.heap) / n,
      rssBytesPerStream: (loaded.rss - baseline.rss) / n,
      sockets: client.sockets(),
      rampMs,
    };
  } catch (error) {
    return { ...empty, skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await client?.close();
    await emulator.close();
    await settledWithin(pending, 30_000);
  }
}

/**
 * Measures row 4: each size, ours then the seed design.
 * @param options sizes, chunk interval, start-up concurrency, timeout
 */
export async function measureMemory(options: MemoryOptions = {}): Promise<MemoryResult> {
  const resolved: Required<MemoryOptions> = {
    sizes: options.sizes ?? [1000, 10_000],
    chunkIntervalMs: options.chunkIntervalMs ?? 5000,
    maxStarting: options.maxStarting ?? 200,
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
  };
  const limit = openFileLimit();
  prepareBuiltClients();
  await warmUp();
  const cases: MemoryCase[] = [];
  for (const n of resolved.sizes) {
    for (const side of SIDES) cases.push(await measureCase(side, n, resolved, limit));
  }
  return { openFileLimit: limit, cases };
}

/** The table rows of row 4: per size, bytes per stream and sockets. */
export function memoryRows(result: MemoryResult): BenchRow[] {
  const sizes = [...new Set(result.cases.map((c) => c.conversations))];
  const cell = (c: MemoryCase | undefined): string => {
    if (c === undefined) return '-';
    if (c.skipped !== undefined) return `not measured: ${c.skipped}`;
    return `${num(c.heapBytesPerStream)} B heap/stream, ${num(c.sockets)} socket${c.sockets === 1 ? '' : 's'}`;
  };
  return sizes.flatMap((n) => {
    const ours = result.cases.find((c) => c.conversations === n && c.side === 'ours');
    const minimal = result.cases.find((c) => c.conversations === n && c.side === 'minimal');
    const againstMinimal = ours !== undefined && minimal !== undefined && !ours.skipped && !minimal.skipped;
    const goal = n >= 10_000 ? '<= 3 KB heap/stream' : 'report';
    const seed = result.cases.find((c) => c.conversations === n && c.side === 'seed');
    const measured = ours !== undefined && seed !== undefined && !ours.skipped && !seed.skipped;
    const limitRow: BenchRow = {
      row: `memory vs the minimal client (minimal-client.ts): ${num(n)} concurrent streams mid-answer`,
      ours: cell(ours),
      peer: cell(minimal),
      ratio: againstMinimal ? `${num(ours.heapBytesPerStream / minimal.heapBytesPerStream, 2)}x` : '-',
      goal,
      met:
        goal === 'report' || ours === undefined || ours.skipped
          ? '-'
          : metCell(ours.heapBytesPerStream <= 3000),
    };
    const seedRow: BenchRow = {
      row: `memory: ${num(n)} concurrent streams mid-answer (heap after gc - baseline) / n, and sockets`,
      ours: cell(ours),
      peer: cell(seed),
      ratio: measured
        ? `heap ours/seed ${num(ours.heapBytesPerStream / seed.heapBytesPerStream, 2)}; sockets ${num(seed.sockets / Math.max(1, ours.sockets))}x fewer`
        : '-',
      goal: 'report',
      met: '-',
    };
    return [seedRow, limitRow];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  console.log(JSON.stringify(await measureMemory(sizes.length > 0 ? { sizes } : {}), null, 2));
}
