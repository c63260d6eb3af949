/**
 * Row 2: injections per second against the emulator, our injector (default notification transport:
 * one shared channel socket) against a faithful copy of the seed's design (one socket per
 * conversation). Each side gets a fresh emulator in a child process (rate limit off, faults off,
 * 1 ms between chunks), a warm-up, then `injections` at `concurrency`. Every answer is checked
 * against the server's own text of that conversation.
 * Run alone: node --import tsx bench/end-to-end.ts
 */
import { GenesysPromptInjector } from '../src/injector.js';
import { num, metCell, type BenchRow } from './bench-table.js';
import { startEmulatorProcess, type EmulatorProcess } from './emulator-process.js';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';
import { mean, quantile, runPool, type PoolResult } from './run-pool.js';
import { SeedGenesysPromptInjector } from './seed-design/seed-injector.js';

/** Options of `measureEndToEnd`. */
export interface EndToEndOptions {
  /** Injections measured per side (default 1000). */
  injections?: number;
  /** Injections in flight (default 100). */
  concurrency?: number;
  /** Emulator delay between chunks (default 1 ms). */
  chunkIntervalMs?: number;
  /** Emulator delay from create to first chunk, the model's time to first token (default 20 ms, the emulator's). */
  firstChunkDelayMs?: number;
  /** Unmeasured injections first, to warm up the JIT and connections (default 100). */
  warmup?: number;
  /** Our stream transport (default notifications). */
  transport?: 'notifications' | 'direct';
}

/** One side's figures. */
export interface EndToEndSide {
  injectionsPerSecond: number;
  elapsedMs: number;
  /** Mean ms from calling inject to its result, under the given concurrency. */
  meanLatencyMs: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
  /** Sockets the client opened over the whole run (warm-up included: `warmup + injections` injections). */
  sockets: number;
  /** Injections that failed. */
  failures: number;
  /** Answers equal to the server's text of the conversation. */
  exactAnswers: number;
  /** Emulator HTTP requests per measured injection (OAuth included). */
  requestsPerInjection: number;
}

/** The figures of row 2. */
export interface EndToEndResult {
  injections: number;
  concurrency: number;
  /** Unmeasured injections before the measured ones, per side. */
  warmup: number;
  firstChunkDelayMs: number;
  transport: 'notifications' | 'direct';
  ours: EndToEndSide;
  seed: EndToEndSide;
  /** ours / seed injections per second. */
  ratio: number;
}

interface Side {
  run(i: number): Promise<{ conversationId: string; response: string }>;
  sockets(): number;
  close(): Promise<void>;
}

async function openOurs(emulator: EmulatorProcess, transport: 'notifications' | 'direct'): Promise<Side> {
  const injector = new GenesysPromptInjector({
    environment: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    requestsPerMinute: 0,
    transport,
  });
  await injector.initialize();
  return {
    run: (i) =>
      injector.injectPrompt(BENCH_ASSISTANT_ID, INJECTION_TEMPLATE, INJECTION_EXAMPLES, {
        variables: { productType: productTypeOf(i) },
      }),
    sockets: () => injector.streamStats().socketsOpened,
    close: () => injector.close(),
  };
}

async function openSeed(emulator: EmulatorProcess): Promise<Side> {
  const injector = new SeedGenesysPromptInjector(emulator.baseUrl, emulator.clientId, emulator.clientSecret);
  await injector.initialize();
  return {
    run: (i) =>
      injector.injectPrompt(
        BENCH_ASSISTANT_ID,
        { ...INJECTION_TEMPLATE, variables: { productType: productTypeOf(i) } },
        INJECTION_EXAMPLES,
      ),
    sockets: () => injector.socketStats().socketsOpened,
    // The seed has no close(): its sockets stay open until the server goes (the emulator's close).
    close: async () => undefined,
  };
}

async function measureSide(
  open: (emulator: EmulatorProcess) => Promise<Side>,
  options: Required<EndToEndOptions>,
): Promise<EndToEndSide> {
  const emulator = await startEmulatorProcess({
    rateLimit: false,
    chunkIntervalMs: options.chunkIntervalMs,
    firstChunkDelayMs: options.firstChunkDelayMs,
  });
  try {
    const side = await open(emulator);
    try {
      await runPool(options.warmup, options.concurrency, (i) => side.run(options.injections + i));
      const requestsBefore = (await emulator.stats()).requests;
      const pool: PoolResult<{ conversationId: string; response: string }> = await runPool(
        options.injections,
        options.concurrency,
        (i) => side.run(i),
      );
      const stats = await emulator.stats();
      const done = pool.outcomes.flatMap((o) => (o.ok ? [o.value] : []));
      const texts = await emulator.texts(done.map((d) => d.conversationId));
      return {
        injectionsPerSecond: (options.injections / pool.elapsedMs) * 1000,
        elapsedMs: pool.elapsedMs,
        meanLatencyMs: mean(pool.durationsMs),
        p50LatencyMs: quantile(pool.durationsMs, 0.5),
        p99LatencyMs: quantile(pool.durationsMs, 0.99),
        sockets: side.sockets(),
        failures: options.injections - done.length,
        exactAnswers: done.filter((d) => texts[d.conversationId] === d.response).length,
        requestsPerInjection: (stats.requests - requestsBefore) / options.injections,
      };
    } finally {
      await side.close();
    }
  } finally {
    await emulator.close();
  }
}

/**
 * Measures row 2: ours, then the seed design, each against its own emulator process.
 * @param options injections, concurrency, chunk interval, warm-up
 */
export async function measureEndToEnd(options: EndToEndOptions = {}): Promise<EndToEndResult> {
  const resolved: Required<EndToEndOptions> = {
    injections: options.injections ?? 1000,
    concurrency: options.concurrency ?? 100,
    chunkIntervalMs: options.chunkIntervalMs ?? 1,
    firstChunkDelayMs: options.firstChunkDelayMs ?? 20,
    warmup: options.warmup ?? 100,
    transport: options.transport ?? 'notifications',
  };
  const ours = await measureSide((emulator) => openOurs(emulator, resolved.transport), resolved);
  const seed = await measureSide(openSeed, resolved);
  return {
    injections: resolved.injections,
    concurrency: resolved.concurrency,
    warmup: resolved.warmup,
    firstChunkDelayMs: resolved.firstChunkDelayMs,
    transport: resolved.transport,
    ours,
    seed,
    ratio: ours.injectionsPerSecond / seed.injectionsPerSecond,
  };
}

/**
 * The table rows of row 2.
 * @param result the figures
 * @param withSockets add the sockets line (once per table)
 */
export function endToEndRows(result: EndToEndResult, withSockets = true): BenchRow[] {
  const side = (s: EndToEndSide): string =>
    `${num(s.injectionsPerSecond)} inj/s (mean ${num(s.meanLatencyMs)} ms, p99 ${num(s.p99LatencyMs)} ms; ` +
    `${num(s.exactAnswers)}/${num(result.injections)} exact answers, ${s.failures} failed; ` +
    `${num(s.requestsPerInjection, 2)} req/inj)`;
  const rows: BenchRow[] = [
    {
      row:
        `end-to-end (ours over ${result.transport}): ${num(result.injections)} injections at concurrency ${result.concurrency} vs seed design ` +
        `(first chunk ${result.firstChunkDelayMs} ms after create)`,
      ours: side(result.ours),
      peer: side(result.seed),
      ratio: `${num(result.ratio, 2)}x`,
      goal: '>= 2x',
      met: metCell(result.ratio >= 2),
    },
  ];
  if (!withSockets) return rows;
  rows.push({
    row: `end-to-end: sockets opened for ${num(result.injections + result.warmup)} injections (warm-up included)`,
    ours: `${num(result.ours.sockets)}`,
    peer: `${num(result.seed.sockets)}`,
    ratio: result.ours.sockets > 0 ? `${num(result.seed.sockets / result.ours.sockets)}x fewer` : '-',
    goal: 'report',
    met: '-',
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const firstChunk = Number(process.argv[2] ?? 20);
  const transport = process.argv[3] === 'direct' ? 'direct' : 'notifications';
  const result = await measureEndToEnd({ firstChunkDelayMs: firstChunk, transport });
  console.log(JSON.stringify(result, null, 2));
}
