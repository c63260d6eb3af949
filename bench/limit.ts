/**
 * The limit rows: our injector against the minimal correct client (`minimal-client.ts`), side by
 * side in one run. Each side runs in a child process of its own (`limit-client-child.ts`), so the CPU
 * it reports is its own; each side gets fresh emulator processes (one whose first chunk comes at once,
 * one 20 ms after the create; 1 ms between chunks, no rate limit, no faults). Each round runs every
 * phase on both sides back to back (the side that goes first alternates by round); the rows show each
 * side's median and the median of the rounds' ratios, so a machine that drifts between rounds moves
 * both sides of a ratio alike. Each phase is a warm-up, then
 * the measured injections; every answer is checked against the server's text of its conversation,
 * and the create bodies the server received are compared between the sides (same bytes).
 * Run alone: node --import tsx bench/limit.ts [--quick] [--phases cpu100,thr100] [--scale 0.5] [--repeats 3] [--no-pin]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { prepareBuiltClients } from './built-clients.js';
import type { EmulatorStats } from '../src/emulator/index.js';
import { metCell, num, type BenchRow } from './bench-table.js';
import { pinToCore } from './cpu-pin.js';
import { startEmulatorProcess, type EmulatorProcess, type WireCounters } from './emulator-process.js';
import type { LimitClientSetup, LimitRun, LimitRunResult } from './limit-client-child.js';
import { median, quantile } from './run-pool.js';

/** One phase: which emulator, how many injections at which concurrency, what is timed. */
export interface LimitPhase {
  name: string;
  emulator: 'instant' | 'paced';
  concurrency: number;
  injections: number;
  warmup: number;
  firstChunk: boolean;
  /** Run with the client and its emulators pinned to cores of their own (the throughput phases). */
  pinned: boolean;
}

/** Options of `measureLimit`. */
export interface LimitOptions {
  /** Rounds; each runs every phase on both sides (default 5). */
  repeats?: number;
  /** Injection counts divided by this (default 1; `--quick` uses 10; `--scale 0.2` runs 5 times as many). */
  scale?: number;
  /** In the throughput phases, pin each client and its emulators to cores of their own (default true; `--no-pin`). */
  pin?: boolean;
  /** Run only these phases, by name (default all; `--phases cpu100,cpu1000`). */
  only?: string[];
}

/** One side's figures in one phase of one repeat. */
export interface LimitPhaseFigures {
  cpuMsPerInjection: number;
  /** CPU per injection of the phase's warm-up run (for the first phase: a fresh client's, JIT compiling included). */
  warmupCpuMsPerInjection: number;
  /** Garbage-collection pause time per injection in the client over the measured run. */
  gcMsPerInjection: number;
  /** The emulator's CPU per injection over the measured run (both clients meet the same server). */
  emulatorCpuMsPerInjection: number;
  injectionsPerSecond: number;
  firstChunkP50Ms: number;
  firstChunkP99Ms: number;
  requestsPerInjection: number;
  readsPerInjection: number;
  failures: number;
  firstError?: string;
  exactAnswers: number;
  injections: number;
  /** TCP connections the emulator accepted during the phase (warm-up included). */
  connections: number;
  /** Requests whose connection closed before the answer was written, at the emulator (warm-up included). */
  aborted: number;
  /** Requests the client destroyed before their answer ended (measured run only). */
  destroyedRequests: number;
  /** Fingerprint of the create bodies the emulator received in the phase (warm-up included). */
  bodyFingerprint: string;
}

/** All figures: per side, per phase, one entry per repeat. */
export interface LimitResult {
  repeats: number;
  /** False when a throughput phase could not pin each client and its emulators to cores of their own. */
  pinned: boolean;
  phases: LimitPhase[];
  ours: Record<string, LimitPhaseFigures[]>;
  minimal: Record<string, LimitPhaseFigures[]>;
}

const EMULATOR_CORE = 0;
const CLIENT_CORE = 1;
/** The emulator route of a conversation read. */
export const READ_ROUTE = 'GET /api/v2/ai/assistants/{assistantId}/conversations/{conversationId}';
const CHILD = fileURLToPath(new URL('./limit-client-child.ts', import.meta.url));

/** The phases, in the order each client runs them (the first one meets a fresh client). */
export function limitPhases(scale = 1): LimitPhase[] {
  const n = (count: number): number => Math.max(1, Math.round(count / scale));
  const phase = (
    name: string,
    emulator: LimitPhase['emulator'],
    concurrency: number,
    warmup: number,
    injections: number,
    firstChunk = false,
  ): LimitPhase => ({
    name,
    emulator,
    concurrency,
    warmup: n(warmup),
    injections: n(injections),
    firstChunk,
    pinned: emulator === 'paced',
  });
  return [
    // CPU per injection is a small figure over a run: these runs are long enough to be repeatable.
    // The rows measure a long-running client: the first phase meets a fresh one, whose CPU per
    // injection falls for its first 8,000 or so injections while V8 compiles the hot functions (ours
    // has more of them to compile than the minimal client), so its warm-up runs that long; the
    // warm-up's own figure is a row of its own (a fresh client).
    phase('cpu1000', 'instant', 1000, 8000, 4000),
    phase('cpu10', 'instant', 10, 100, 1500),
    phase('cpu100', 'instant', 100, 200, 3000),
    // A p99 needs samples beyond its last percent; a throughput needs a run long enough that the
    // ramp-up and the tail (fewer than `concurrency` in flight) are a small part of it.
    phase('first1', 'instant', 1, 20, 1000, true),
    phase('first100', 'instant', 100, 200, 3000, true),
    phase('thr100', 'paced', 100, 200, 3000),
    phase('thr1000', 'paced', 1000, 1000, 7500),
  ];
}

/** A client child: `run` sends one run and waits for its figures. */
async function startClient(setup: LimitClientSetup): Promise<{
  pid: number | undefined;
  run(run: LimitRun): Promise<LimitRunResult>;
  close(): Promise<void>;
}> {
  const child: ChildProcess = fork(CHILD, [JSON.stringify(setup)], {
    // BENCH_CPU_PROFILE=<dir> writes each client's CPU profile there (node --cpu-prof).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
        : []),
      // BENCH_HEAP_PROFILE=<dir> writes each client's sampled allocations there (node --heap-prof).
      ...(process.env.BENCH_HEAP_PROFILE
        ? ['--heap-prof', `--heap-prof-dir=${process.env.BENCH_HEAP_PROFILE}`, '--heap-prof-interval=16384']
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (reply: { result?: LimitRunResult; error?: string }) => void>();
  let nextId = 1;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`limit client child exited early (code ${code})`)));
    child.on('message', (raw: unknown) => {
      const reply = raw as { id?: number; type?: string; result?: LimitRunResult; error?: string };
      if (reply.type === 'ready') resolve();
      else if (reply.id !== undefined) pending.get(reply.id)?.(reply);
    });
  });
  const ask = (message: Record<string, unknown>): Promise<{ result?: LimitRunResult; error?: string }> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...message, id });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid,
    run: async (run) => {
      const reply = await ask({ type: 'run', run });
      if (reply.result === undefined)
        throw new Error(`limit client run failed: ${reply.error ?? 'no result'}`);
      return reply.result;
    },
    close: async () => {
      if (child.connected) await ask({ type: 'close' });
      const timer = setTimeout(() => child.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const fingerprintDelta = (before: WireCounters, after: WireCounters): string =>
  (
    (BigInt(`0x${after.createFingerprint}`) - BigInt(`0x${before.createFingerprint}`) + (1n << 64n)) %
    (1n << 64n)
  ).toString(16);

async function wireOf(emulator: EmulatorProcess): Promise<WireCounters> {
  const wire = await emulator.wire();
  if (wire === undefined) throw new Error('the emulator process reports no wire counters');
  return wire;
}

/** One side's client and its fresh emulators, open for one round. */
interface OpenSide {
  /** False when a phase that pins the client and its emulators to cores of their own could not. */
  pinned: boolean;
  runPhase(phase: LimitPhase): Promise<LimitPhaseFigures>;
  close(): Promise<void>;
}

/** Starts one side's emulators and client child; phases then run on it in the order given. */
async function openSide(side: 'ours' | 'minimal', pin: boolean): Promise<OpenSide> {
  const common = { rateLimit: false as const, chunkIntervalMs: 1 };
  const emulators: Record<'instant' | 'paced', EmulatorProcess> = {
    instant: await startEmulatorProcess({ ...common, firstChunkDelayMs: 0 }),
    paced: await startEmulatorProcess({ ...common, firstChunkDelayMs: 20 }),
  };
  const closeEmulators = (): Promise<unknown> =>
    Promise.all([emulators.instant.close(), emulators.paced.close()]);
  let client: Awaited<ReturnType<typeof startClient>>;
  try {
    client = await startClient({
      side,
      clientId: emulators.instant.clientId,
      clientSecret: emulators.instant.clientSecret,
      emulators: { instant: emulators.instant.baseUrl, paced: emulators.paced.baseUrl },
    });
  } catch (error) {
    await closeEmulators();
    throw error;
  }
  // The throughput phases run the emulators on core 0 and the client on core 1, a server and its
  // client on cores of their own; the other phases let every process use any core.
  let pinnedNow = false;
  const place = (pinned: boolean): boolean => {
    if (!pin || pinned === pinnedNow) return true;
    pinnedNow = pinned;
    return [
      pinToCore(emulators.instant.pid, pinned ? EMULATOR_CORE : 'any'),
      pinToCore(emulators.paced.pid, pinned ? EMULATOR_CORE : 'any'),
      pinToCore(client.pid, pinned ? CLIENT_CORE : 'any'),
    ].every(Boolean);
  };
  let pinned = pin;
  let offset = 0;
  return {
    get pinned() {
      return pinned;
    },
    runPhase: async (phase) => {
      pinned &&= place(phase.pinned);
      const emulator = emulators[phase.emulator];
      const wireBefore = await wireOf(emulator);
      const base = {
        emulator: phase.emulator,
        concurrency: phase.concurrency,
        firstChunk: phase.firstChunk,
      };
      const warmup = await client.run({ ...base, injections: phase.warmup, offset });
      offset += phase.warmup;
      const before: EmulatorStats = await emulator.stats();
      const serverCpuBefore = (await wireOf(emulator)).cpuMs;
      const result = await client.run({ ...base, injections: phase.injections, offset });
      offset += phase.injections;
      const after = await emulator.stats();
      const wireAfter = await wireOf(emulator);
      const texts = await emulator.texts(result.answers.map(([id]) => id));
      const reads = (after.requestsByRoute[READ_ROUTE] ?? 0) - (before.requestsByRoute[READ_ROUTE] ?? 0);
      return {
        cpuMsPerInjection: result.cpuMs / phase.injections,
        warmupCpuMsPerInjection: warmup.cpuMs / phase.warmup,
        gcMsPerInjection: result.gcMs / phase.injections,
        emulatorCpuMsPerInjection: (wireAfter.cpuMs - serverCpuBefore) / phase.injections,
        injectionsPerSecond: (phase.injections / result.elapsedMs) * 1000,
        firstChunkP50Ms: quantile(result.firstChunkMs, 0.5),
        firstChunkP99Ms: quantile(result.firstChunkMs, 0.99),
        requestsPerInjection: (after.requests - before.requests) / phase.injections,
        readsPerInjection: reads / phase.injections,
        failures: result.failures,
        ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
        exactAnswers: result.answers.filter(([id, hash]) => {
          const text = texts[id];
          return typeof text === 'string' && sha256(text) === hash;
        }).length,
        injections: phase.injections,
        connections: wireAfter.connections - wireBefore.connections,
        aborted: wireAfter.aborted - wireBefore.aborted,
        destroyedRequests: result.destroyedRequests,
        bodyFingerprint: fingerprintDelta(wireBefore, wireAfter),
      };
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        await closeEmulators();
      }
    },
  };
}

/**
 * Measures the limit rows. Each round opens both sides afresh (a client child and two emulators
 * each), then runs every phase on one side and at once on the other, so the two runs of a phase are
 * seconds apart and share the machine's state; the side that goes first alternates by round.
 * @param options repeats, size scale
 * @param progress called before each round
 */
export async function measureLimit(
  options: LimitOptions = {},
  progress: (text: string) => void = () => undefined,
): Promise<LimitResult> {
  prepareBuiltClients();
  const repeats = options.repeats ?? 5;
  const phases = limitPhases(options.scale ?? 1).filter(
    (phase) => options.only === undefined || options.only.includes(phase.name),
  );
  const pin = options.pin ?? true;
  const result: LimitResult = { repeats, pinned: pin, phases, ours: {}, minimal: {} };
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? (['ours', 'minimal'] as const) : (['minimal', 'ours'] as const);
    progress(`limit: round ${r + 1} of ${repeats} (${order.join(' then ')} in each phase)`);
    const first = await openSide(order[0], pin);
    try {
      const second = await openSide(order[1], pin);
      try {
        for (const phase of phases) {
          for (const [side, open] of [
            [order[0], first],
            [order[1], second],
          ] as const)
            (result[side][phase.name] ??= []).push(await open.runPhase(phase));
        }
        result.pinned &&= first.pinned && second.pinned;
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  }
  return result;
}

/** The table rows of the limit comparison (medians over the repeats). */
export function limitRows(result: LimitResult): BenchRow[] {
  const m = (side: 'ours' | 'minimal', phase: string, pick: (f: LimitPhaseFigures) => number): number =>
    median((result[side][phase] ?? []).map(pick));
  const both = (phase: string, pick: (f: LimitPhaseFigures) => number): [number, number] => [
    m('ours', phase, pick),
    m('minimal', phase, pick),
  ];
  /** The median over rounds of `compare(ours, minimal)` within each round. */
  const paired = (
    phase: string,
    pick: (f: LimitPhaseFigures) => number,
    compare: (ours: number, minimal: number) => number = (a, b) => a / b,
  ): number =>
    median(
      (result.ours[phase] ?? []).flatMap((f, r) => {
        const other = result.minimal[phase]?.[r];
        return other === undefined ? [] : [compare(pick(f), pick(other))];
      }),
    );
  const checks = (side: 'ours' | 'minimal'): string => {
    const all = Object.values(result[side]).flat();
    const injections = all.reduce((a, f) => a + f.injections, 0);
    const exact = all.reduce((a, f) => a + f.exactAnswers, 0);
    const failed = all.reduce((a, f) => a + f.failures, 0);
    const error = all.find((f) => f.firstError !== undefined)?.firstError;
    return `${num(exact)}/${num(injections)} exact, ${num(failed)} failed${error === undefined ? '' : ` (${error})`}`;
  };
  const sameBodies = result.phases.every((p) =>
    (result.ours[p.name] ?? []).every(
      (f, r) => f.bodyFingerprint === result.minimal[p.name]?.[r]?.bodyFingerprint,
    ),
  );
  const rows: BenchRow[] = [];
  const label = `limit vs minimal client (${result.repeats} round${result.repeats === 1 ? '' : 's'}, each phase run on both sides back to back; each side in its own process${result.pinned ? ', in the throughput phases the client on one core and its emulators on another' : ', never pinned to cores'}; figures are medians, ratios the median of the rounds' ratios; answers: ours ${checks('ours')}, minimal ${checks('minimal')}; create bodies ${sameBodies ? 'byte-identical' : 'DIFFERENT'})`;

  for (const c of [10, 100, 1000]) {
    const [ours, minimal] = both(`cpu${c}`, (f) => f.cpuMsPerInjection);
    const ratio = paired(`cpu${c}`, (f) => f.cpuMsPerInjection);
    rows.push({
      row: `${c === 10 ? `${label}: ` : 'limit: '}client CPU per injection, concurrency ${num(c)} (first chunk 0 ms)`,
      ours: `${num(ours, 2)} ms`,
      peer: `${num(minimal, 2)} ms`,
      ratio: `${num(ratio, 2)}x`,
      goal: '<= 1.25x',
      met: metCell(ratio <= 1.25),
    });
  }
  {
    const fresh = result.phases.find((p) => p.name === 'cpu1000');
    const [ours, minimal] = both('cpu1000', (f) => f.warmupCpuMsPerInjection);
    rows.push({
      row: `limit: client CPU per injection of a fresh client, its first ${num(fresh?.warmup ?? 0)} injections at concurrency 1,000 (first chunk 0 ms; the pool's connections opening and V8 compiling the hot functions included; the warm-up of the row above)`,
      ours: `${num(ours, 2)} ms`,
      peer: `${num(minimal, 2)} ms`,
      ratio: `${num(
        paired('cpu1000', (f) => f.warmupCpuMsPerInjection),
        2,
      )}x`,
      goal: 'report',
      met: '-',
    });
  }
  for (const c of [100, 1000]) {
    const [ours, minimal] = both(`thr${c}`, (f) => f.injectionsPerSecond);
    const ratio = paired(`thr${c}`, (f) => f.injectionsPerSecond);
    rows.push({
      row: `limit: throughput, concurrency ${num(c)} (first chunk 20 ms)`,
      ours: `${num(ours)} inj/s`,
      peer: `${num(minimal)} inj/s`,
      ratio: `${num(ratio, 2)}x`,
      goal: '>= 0.95x',
      met: metCell(ratio >= 0.95),
    });
  }
  {
    const cells = (side: 'ours' | 'minimal'): string =>
      [100, 1000]
        .map((c) =>
          num(
            m(side, `thr${c}`, (f) => f.emulatorCpuMsPerInjection),
            2,
          ),
        )
        .join(' / ');
    rows.push({
      row: 'limit: emulator CPU per injection, throughput at concurrency 100 / 1,000 (the server both clients meet; when it is busy, it sets the pace)',
      ours: `${cells('ours')} ms`,
      peer: `${cells('minimal')} ms`,
      ratio: [100, 1000]
        .map(
          (c) =>
            `${num(
              paired(`thr${c}`, (f) => f.emulatorCpuMsPerInjection),
              2,
            )}x`,
        )
        .join(' / '),
      goal: '-',
      met: '-',
    });
  }
  for (const [c, slack] of [
    [1, 2],
    [100, 5],
  ] as const) {
    const [p50, minP50] = both(`first${c}`, (f) => f.firstChunkP50Ms);
    const [p99, minP99] = both(`first${c}`, (f) => f.firstChunkP99Ms);
    const added = paired(
      `first${c}`,
      (f) => f.firstChunkP50Ms,
      (a, b) => a - b,
    );
    const p99Ratio = paired(`first${c}`, (f) => f.firstChunkP99Ms);
    rows.push({
      row: `limit: first chunk p50 / p99, concurrency ${c} (first chunk 0 ms)`,
      ours: `${num(p50, 1)} / ${num(p99, 1)} ms`,
      peer: `${num(minP50, 1)} / ${num(minP99, 1)} ms`,
      ratio: `p50 ${added >= 0 ? '+' : ''}${num(added, 1)} ms, p99 ${num(p99Ratio, 2)}x`,
      goal: `p50 within ${slack} ms, p99 <= 1.5x`,
      met: metCell(added <= slack && p99Ratio <= 1.5),
    });
  }
  for (const c of [1, 100]) {
    const [req, minReq] = both(`first${c}`, (f) => f.requestsPerInjection);
    const [reads, minReads] = both(`first${c}`, (f) => f.readsPerInjection);
    rows.push({
      row: `limit: requests / conversation reads per injection, concurrency ${c} (first chunk 0 ms; emulator counters)`,
      ours: `${num(req, 2)} / ${num(reads, 2)}`,
      peer: `${num(minReq, 2)} / ${num(minReads, 2)}`,
      ratio: `reads ${reads <= minReads ? '<=' : '>'} minimal's`,
      goal: 'reads <= minimal',
      met: metCell(reads <= minReads),
    });
  }
  const total = (side: 'ours' | 'minimal', pick: (f: LimitPhaseFigures) => number): number =>
    Object.values(result[side])
      .flat()
      .reduce((a, f) => a + pick(f), 0);
  const aborted = (side: 'ours' | 'minimal'): string =>
    `${num(total(side, (f) => f.destroyedRequests))} destroyed by the client, ${num(total(side, (f) => f.aborted))} unanswered at the emulator`;
  const oursAborted = total('ours', (f) => f.destroyedRequests + f.aborted);
  rows.push({
    row: 'limit: requests given up on the success path, every phase and round (client: ClientRequest.destroy before the answer ended; emulator: connection closed before the answer was written)',
    ours: aborted('ours'),
    peer: aborted('minimal'),
    ratio: '-',
    goal: '0',
    met: metCell(oursAborted === 0),
  });
  const [conns, minConns] = both('cpu1000', (f) => f.connections);
  rows.push({
    row: `limit: new TCP connections (HTTP and WebSocket) of a fresh client over ${num(result.phases[0]?.warmup ?? 0)} + ${num(result.phases[0]?.injections ?? 0)} injections at concurrency 1,000`,
    ours: num(conns),
    peer: num(minConns),
    ratio: '-',
    goal: '<= pool size (64) + sockets',
    met: '-',
  });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  const flag = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
  };
  const only = flag('--phases')?.split(',');
  const scale = flag('--scale');
  const repeats = flag('--repeats');
  const result = await measureLimit(
    {
      ...(quick ? { repeats: 1, scale: 10 } : {}),
      ...(process.argv.includes('--no-pin') ? { pin: false } : {}),
      ...(only === undefined ? {} : { only }),
      ...(scale === undefined ? {} : { scale: Number(scale) }),
      ...(repeats === undefined ? {} : { repeats: Number(repeats) }),
    },
    (t) => process.stderr.write(`${t}\n`),
  );
  console.log(JSON.stringify(result, null, 2));
  for (const row of limitRows(result))
    console.log(`${row.row} | ${row.ours} | ${row.peer} | ${row.ratio} | ${row.met}`);
}
