/**
 * Fleet rows: worker processes sharing one OAuth client through a Redis-held budget.
 * - 3 workers against an emulator limiting 50 API requests per second per client: the shared budget
 *   (one GCRA schedule in Redis) against 3 processes each pacing alone (each to the whole budget),
 *   and against the library alternative (rate-limiter-flexible, 1-second fixed windows in Redis);
 *   completion time over the ideal (requests the server accepted / 50 per second) and share of 429s.
 * - Throughput from 1 to 3 workers when nothing limits the rate, so the client is the bottleneck.
 * Needs Redis at GENESYS_BENCH_REDIS (default redis://127.0.0.1:6379).
 * Run alone: node --import tsx bench/fleet.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BatchQueue } from '../src/fleet/batch-queue.js';
import type { QueuedInjection } from '../src/fleet/queued-injection.js';
import { parseRedisStoreAddress } from '../src/fleet/redis-store-address.js';
import { watchRun } from '../src/fleet/run-watcher.js';
import { metCell, num, type BenchRow } from './bench-table.js';
import { startEmulatorProcess } from './emulator-process.js';
import type { FleetWorkerConfig } from './fleet-worker-child.js';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';

const REDIS_URL = process.env.GENESYS_BENCH_REDIS ?? 'redis://127.0.0.1:6379';
const CHILD = fileURLToPath(new URL('./fleet-worker-child.ts', import.meta.url));

/** Options of one fleet run. */
export interface FleetRunOptions {
  workers: number;
  pacing: FleetWorkerConfig['pacing'];
  /** Jobs (one injection each). */
  jobs: number;
  /** Jobs in flight per worker. */
  concurrency: number;
  /** Server limit per client per second; false: none. */
  serverPerSecond: number | false;
  /** Each worker's configured pace (0: none). */
  requestsPerMinute: number;
  requestBurst: number;
  transport: 'notifications' | 'direct';
}

/** What one fleet run measured. */
export interface FleetRunResult extends FleetRunOptions {
  elapsedMs: number;
  failed: number;
  /** /api/v2 requests the emulator received (429s included). */
  apiRequests: number;
  rateLimited: number;
  /** Requests the server accepted divided by its limit, in ms (undefined without a limit). */
  idealMs: number | undefined;
  timeOverIdeal: number | undefined;
  share429: number;
  conversationsCreated: number;
  injectionsPerSecond: number;
}

interface RunningWorker {
  child: ChildProcess;
  exited: Promise<void>;
}

function startWorker(config: FleetWorkerConfig): Promise<RunningWorker> {
  const child = fork(CHILD, [JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`fleet worker exited early (code ${code})`));
    child.once('exit', onExit);
    child.on('message', (raw: unknown) => {
      if ((raw as { type?: string }).type === 'ready') {
        child.off('exit', onExit);
        resolve({ child, exited });
      }
    });
  });
}

async function stopWorker(worker: RunningWorker): Promise<void> {
  if (worker.child.connected) worker.child.send({ type: 'stop' });
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 30_000);
  await worker.exited;
  clearTimeout(timer);
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Runs `jobs` injections on `workers` worker processes against a fresh emulator process.
 * @param options workers, pacing, sizes, limits
 */
export async function measureFleetRun(options: FleetRunOptions): Promise<FleetRunResult> {
  const address = parseRedisStoreAddress('GENESYS_BENCH_REDIS', REDIS_URL);
  const run = randomUUID();
  const queueName = `gpi-bench-${run}`;
  const keyPrefix = `gpi-bench:${run}`;
  const emulator = await startEmulatorProcess({
    rateLimit:
      options.serverPerSecond === false
        ? false
        : { requests: options.serverPerSecond, windowMs: 1000, per: 'client' },
    chunkIntervalMs: 1,
    firstChunkDelayMs: 5,
    // Few, large chunks: the rows measure pacing, so the workers' own CPU should not be the limit.
    tokensPerChunk: 50,
  });
  const workers: RunningWorker[] = [];
  const queue = new BatchQueue({ address, name: queueName });
  try {
    for (let i = 0; i < options.workers; i++) {
      workers.push(
        await startWorker({
          redisUrl: REDIS_URL,
          queueName,
          keyPrefix,
          environment: emulator.baseUrl,
          clientId: emulator.clientId,
          clientSecret: emulator.clientSecret,
          pacing: options.pacing,
          requestsPerMinute: options.requestsPerMinute,
          requestBurst: options.requestBurst,
          concurrency: options.concurrency,
          transport: options.transport,
        }),
      );
    }
    const before = await emulator.stats();
    const jobs: QueuedInjection[] = Array.from({ length: options.jobs }, (_, i) => ({
      runId: run,
      key: randomUUID(),
      line: i + 1,
      assistantId: BENCH_ASSISTANT_ID,
      variables: { productType: productTypeOf(i) },
      template: INJECTION_TEMPLATE,
      examples: INJECTION_EXAMPLES,
    }));
    let failed = 0;
    const started = performance.now();
    await queue.enqueue(jobs);
    await watchRun({
      address,
      queue,
      jobs,
      reconcileMs: 500,
      onFinished: (isFailure) => {
        if (isFailure) failed++;
      },
    });
    const elapsedMs = performance.now() - started;
    const after = await emulator.stats();
    const apiOf = (stats: typeof before): number =>
      Object.entries(stats.requestsByRoute)
        .filter(([route]) => !route.includes('/oauth/'))
        .reduce((sum, [, count]) => sum + count, 0);
    const apiRequests = apiOf(after) - apiOf(before);
    const rateLimited = after.rateLimited - before.rateLimited;
    const idealMs =
      options.serverPerSecond === false
        ? undefined
        : ((apiRequests - rateLimited) / options.serverPerSecond) * 1000;
    return {
      ...options,
      elapsedMs,
      failed,
      apiRequests,
      rateLimited,
      idealMs,
      timeOverIdeal: idealMs === undefined ? undefined : elapsedMs / idealMs,
      share429: apiRequests === 0 ? 0 : rateLimited / apiRequests,
      conversationsCreated: after.conversationsCreated - before.conversationsCreated,
      injectionsPerSecond: options.jobs / (elapsedMs / 1000),
    };
  } finally {
    await Promise.all(workers.map(stopWorker));
    const bull = new Queue(queueName, { connection: { url: REDIS_URL } });
    await bull.obliterate({ force: true }).catch(() => undefined);
    await bull.close();
    await queue.close();
    await deleteKeys(keyPrefix);
    await emulator.close();
  }
}

/** The figures of the fleet rows. */
export interface FleetResult {
  shared: FleetRunResult;
  alone: FleetRunResult;
  rlf: FleetRunResult;
  one: FleetRunResult;
  three: FleetRunResult;
}

/**
 * Measures every fleet row.
 * @param options `jobs` per limited run (default 500), `throughputJobs` per unlimited run (default 1,000)
 */
export async function measureFleet(
  options: { jobs?: number; throughputJobs?: number } = {},
): Promise<FleetResult> {
  const limited = {
    workers: 3,
    jobs: options.jobs ?? 500,
    concurrency: 20,
    serverPerSecond: 50,
    // Each worker's injector is told the client's rate: 49/s (2 % under the server's 50), burst 1.
    requestsPerMinute: 2940,
    requestBurst: 1,
    transport: 'direct' as const,
  };
  const shared = await measureFleetRun({ ...limited, pacing: 'shared' });
  const alone = await measureFleetRun({ ...limited, pacing: 'alone' });
  const rlf = await measureFleetRun({ ...limited, pacing: 'rlf' });
  const open = {
    jobs: options.throughputJobs ?? 1000,
    concurrency: 20,
    serverPerSecond: false as const,
    requestsPerMinute: 0,
    requestBurst: 1,
    transport: 'direct' as const,
    pacing: 'shared' as const,
  };
  const one = await measureFleetRun({ ...open, workers: 1 });
  const three = await measureFleetRun({ ...open, workers: 3 });
  return { shared, alone, rlf, one, three };
}

const percent = (share: number): string => `${num(share * 100, 2)} %`;

/** The table rows of the fleet figures. */
export function fleetRows(r: FleetResult): BenchRow[] {
  const limitedRow = (run: FleetRunResult, label: string): string =>
    `fleet: ${run.workers} worker processes, one OAuth client, server ${run.serverPerSecond} req/s per client, ` +
    `client ${num(run.requestsPerMinute)}/min burst ${run.requestBurst} (${run.transport}) — ${label}; ${num(run.jobs)} jobs, ${run.failed} failed`;
  const timeCell = (run: FleetRunResult): string =>
    `${num(run.elapsedMs / 1000, 1)} s, ${percent(run.share429)} 429s (${num(run.rateLimited)} of ${num(run.apiRequests)})`;
  return [
    {
      row: limitedRow(r.shared, 'shared Redis budget (GCRA) vs each process pacing alone'),
      ours: timeCell(r.shared),
      peer: `alone: ${timeCell(r.alone)}`,
      ratio: `${num(r.shared.timeOverIdeal ?? 0, 3)} of ideal ${num((r.shared.idealMs ?? 0) / 1000, 1)} s (alone ${num(r.alone.timeOverIdeal ?? 0, 3)})`,
      goal: '<= 1.10 of ideal, < 1 % 429s',
      met: metCell((r.shared.timeOverIdeal ?? Infinity) <= 1.1 && r.shared.share429 < 0.01),
    },
    {
      row: limitedRow(r.rlf, 'the library alternative: rate-limiter-flexible, 1 s fixed windows in Redis'),
      ours: timeCell(r.shared),
      peer: `rate-limiter-flexible: ${timeCell(r.rlf)}`,
      ratio: `${num(r.rlf.timeOverIdeal ?? 0, 3)} of ideal`,
      goal: 'report',
      met: '-',
    },
    {
      row: `fleet: throughput from 1 to 3 worker processes, no rate limit (the client is the bottleneck), ${num(r.one.jobs)} jobs, concurrency ${r.one.concurrency} each, ${r.one.failed + r.three.failed} failed`,
      ours: `3 workers: ${num(r.three.injectionsPerSecond)} inj/s`,
      peer: `1 worker: ${num(r.one.injectionsPerSecond)} inj/s`,
      ratio: `${num(r.three.injectionsPerSecond / r.one.injectionsPerSecond, 2)}x`,
      goal: 'report',
      met: '-',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const jobs = Number(process.argv[2] ?? 500);
  console.log(JSON.stringify(await measureFleet({ jobs, throughputJobs: jobs * 2 }), null, 2));
}
