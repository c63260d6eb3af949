/**
 * Child-process entry of the limit rows (`limit.ts`): one client — our injector or the minimal client
 * — in a process of its own, so the CPU it reports (`process.cpuUsage()` over a run) is its own.
 * argv[2]: JSON `LimitClientSetup`. Messages in: `{id, type: 'run', run: LimitRun}` and
 * `{id, type: 'close'}`; each is answered `{id, ...}` once done.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';
import { importMinimal, importOurs } from './built-clients.js';
import { bodyOf } from './limit-bodies.js';
import { runPool } from './run-pool.js';

/** Which client, and where its emulators are. */
export interface LimitClientSetup {
  side: 'ours' | 'minimal';
  clientId: string;
  clientSecret: string;
  /** One base URL per emulator, by name. */
  emulators: Record<string, string>;
}

/** One run of injections. */
export interface LimitRun {
  /** The emulator (a key of `LimitClientSetup.emulators`). */
  emulator: string;
  injections: number;
  concurrency: number;
  /** Index of the first injection (its variable value, hence its body). */
  offset: number;
  /** Time each injection's first chunk (ours then streams with `streamPrompt`). */
  firstChunk: boolean;
}

/** What one run measured. */
export interface LimitRunResult {
  elapsedMs: number;
  /** Process CPU (user + system) over the run, in ms. */
  cpuMs: number;
  /** Time in garbage-collection pauses over the run, in ms (`gc` performance entries). */
  gcMs: number;
  failures: number;
  firstError?: string;
  /** ms from the call to the first chunk, per injection that had one (when `firstChunk`). */
  firstChunkMs: number[];
  /** HTTP requests this process destroyed before their answer ended (queued or on a connection). */
  destroyedRequests: number;
  /** Conversation id and SHA-256 (hex) of the answer, per finished injection. */
  answers: Array<[string, string]>;
}

interface Client {
  inject(i: number, onFirst: (() => void) | undefined): Promise<{ conversationId: string; text: string }>;
  close(): Promise<void>;
}

async function openOurs(setup: LimitClientSetup, baseUrl: string): Promise<Client> {
  const { GenesysPromptInjector } = await importOurs();
  const injector = new GenesysPromptInjector({
    environment: baseUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
    requestsPerMinute: 0,
  });
  await injector.initialize();
  const options = (i: number): { variables: Record<string, string> } => ({
    variables: { productType: productTypeOf(i) },
  });
  return {
    inject: async (i, onFirst) => {
      if (onFirst === undefined) {
        const result = await injector.injectPrompt(
          BENCH_ASSISTANT_ID,
          INJECTION_TEMPLATE,
          INJECTION_EXAMPLES,
          options(i),
        );
        return { conversationId: result.conversationId, text: result.response };
      }
      let first = true;
      for await (const item of injector.streamPrompt(
        BENCH_ASSISTANT_ID,
        INJECTION_TEMPLATE,
        INJECTION_EXAMPLES,
        options(i),
      )) {
        if (item.type === 'chunk' && first) {
          first = false;
          onFirst();
        } else if (item.type === 'result')
          return { conversationId: item.result.conversationId, text: item.result.response };
      }
      throw new Error('the stream ended without a result');
    },
    close: () => injector.close(),
  };
}

async function openMinimal(
  setup: LimitClientSetup,
  baseUrl: string,
): Promise<Client & { prepare(run: LimitRun): void }> {
  const { MinimalClient } = await importMinimal();
  const client = await MinimalClient.open({
    baseUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
  });
  let bodies = new Map<number, Buffer>();
  return {
    prepare: (run) => {
      bodies = new Map();
      for (let i = run.offset; i < run.offset + run.injections; i++) bodies.set(i, bodyOf(i));
    },
    inject: async (i, onFirst) => {
      const body = bodies.get(i);
      if (body === undefined) throw new Error(`no body prepared for injection ${i}`);
      let first = onFirst;
      const answer = await client.inject(BENCH_ASSISTANT_ID, body, () => {
        first?.();
        first = undefined;
      });
      return { conversationId: answer.conversationId, text: answer.text };
    },
    close: async () => client.close(),
  };
}

/**
 * Counts the requests a client gives up on: every `ClientRequest.destroy` before its answer ended,
 * whoever calls it (our HTTP client on an abort or timeout; `ws` on a failed upgrade).
 */
let destroyedRequests = 0;
const destroyRequest = http.ClientRequest.prototype.destroy;
http.ClientRequest.prototype.destroy = function (this: http.ClientRequest, error?: Error) {
  const answer = (this as { res?: http.IncomingMessage | null }).res;
  if (!this.destroyed && (answer === null || answer === undefined || !answer.complete))
    destroyedRequests += 1;
  return destroyRequest.call(this, error);
};

/** Garbage-collection pause time so far, in ms. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

const setup = JSON.parse(process.argv[2] ?? '{}') as LimitClientSetup;
const clients = new Map<string, Client & { prepare?(run: LimitRun): void }>();

async function clientFor(emulator: string): Promise<Client & { prepare?(run: LimitRun): void }> {
  const known = clients.get(emulator);
  if (known !== undefined) return known;
  const baseUrl = setup.emulators[emulator];
  if (baseUrl === undefined) throw new Error(`unknown emulator ${emulator}`);
  const client = setup.side === 'ours' ? await openOurs(setup, baseUrl) : await openMinimal(setup, baseUrl);
  clients.set(emulator, client);
  return client;
}

async function run(spec: LimitRun): Promise<LimitRunResult> {
  const client = await clientFor(spec.emulator);
  client.prepare?.(spec);
  const firstChunkMs: number[] = [];
  const destroyedBefore = destroyedRequests;
  // BENCH_RUN_PROFILE=<dir> writes there a CPU profile of each run but the very first, named by side,
  // emulator, concurrency and first injection (a phase's measured run follows its warm-up). Unlike
  // BENCH_CPU_PROFILE it leaves out start-up and loading.
  const profileDir = process.env.BENCH_RUN_PROFILE;
  const profiler = profileDir !== undefined && spec.offset > 0 ? new Session() : undefined;
  if (profiler !== undefined) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const gcBefore = gcMs;
  const cpuBefore = process.cpuUsage();
  const pool = await runPool(spec.injections, spec.concurrency, (k) => {
    if (!spec.firstChunk) return client.inject(spec.offset + k, undefined);
    const started = performance.now();
    return client.inject(spec.offset + k, () => firstChunkMs.push(performance.now() - started));
  });
  const cpu = process.cpuUsage(cpuBefore);
  // Entries for the run's last collections come on a later turn.
  await new Promise((resolve) => setImmediate(resolve));
  const gcUsed = gcMs - gcBefore;
  if (profiler !== undefined) {
    const { profile } = await profiler.post('Profiler.stop');
    const name = `${setup.side}-${spec.emulator}-c${spec.concurrency}-${spec.offset}.cpuprofile`;
    writeFileSync(`${profileDir}/${name}`, JSON.stringify(profile));
    profiler.disconnect();
  }
  const answers: Array<[string, string]> = [];
  let firstError: string | undefined;
  for (const outcome of pool.outcomes) {
    if (outcome.ok)
      answers.push([
        outcome.value.conversationId,
        createHash('sha256').update(outcome.value.text).digest('hex'),
      ]);
    else
      firstError ??=
        outcome.error instanceof Error
          ? `${outcome.error.name}: ${outcome.error.message}`
          : String(outcome.error);
  }
  return {
    elapsedMs: pool.elapsedMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    gcMs: gcUsed,
    failures: spec.injections - answers.length,
    destroyedRequests: destroyedRequests - destroyedBefore,
    ...(firstError === undefined ? {} : { firstError }),
    firstChunkMs,
    answers,
  };
}

process.on('message', (raw: unknown) => {
  const message = raw as { id: number; type: 'run' | 'close'; run?: LimitRun };
  if (message.type === 'run' && message.run !== undefined) {
    run(message.run).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) =>
        process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
    return;
  }
  void Promise.all([...clients.values()].map((c) => c.close())).then(() => {
    process.send?.({ id: message.id, closed: true });
    process.disconnect();
  });
});
process.send?.({ type: 'ready' });
