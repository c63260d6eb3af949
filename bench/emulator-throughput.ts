/**
 * Emulator throughput: conversations created and streamed to completion per second, with plain
 * `fetch` and `ws` (not the library client). Each conversation: POST create, POST its topic onto one
 * shared channel, read it once (as a real client reconciles after subscribing), then wait for its
 * complete event on the shared socket. Rate limit and faults off, chunkIntervalMs 1.
 * The emulator runs in a worker thread (its own event loop, as when it is a separate process) or,
 * for comparison, on the client's thread.
 * Run: npx tsx bench/emulator-throughput.ts [--conversations 1000] [--concurrency 100]
 */
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import {
  MAX_TOPICS_PER_CHANNEL,
  SEED_ASSISTANT_ID,
  aiResponseTopic,
  channelSubscriptionsPath,
  conversationPath,
  conversationsPath,
  type AiStreamEvent,
  type Channel,
  type Conversation,
  type ConversationCreated,
} from '../src/contract/index.js';
import {
  CONTROL_PATHS,
  generateAnswer,
  startEmulator,
  type EmulatorOptions,
  type EmulatorStats,
} from '../src/emulator/index.js';

const EMULATOR_OPTIONS: EmulatorOptions = { rateLimit: false, chunkIntervalMs: 1 };

/** The HTTP client of a run: plain `fetch` (the brief's), or `node:http` with keep-alive (lighter). */
export type BenchHttpClient = 'fetch' | 'node-http';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Logs in and returns a JSON caller with the bearer token, over `client`. */
async function connectCaller(
  emulator: { baseUrl: string; clientId: string; clientSecret: string },
  client: BenchHttpClient,
  onRequest: () => void = () => undefined,
): Promise<{ call: Call; close: () => void }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 100 });
  const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    if (client === 'fetch') {
      const answer = await fetch(`${emulator.baseUrl}${path}`, { method, headers, body });
      return { status: answer.status, text: await answer.text() };
    }
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${emulator.baseUrl}${path}`, { method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => (text += part));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
  const login = await send(
    'POST',
    '/oauth/token',
    { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    'grant_type=client_credentials',
  );
  const { access_token: token } = JSON.parse(login.text) as { access_token: string };
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const call: Call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    onRequest();
    const answer = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
    return JSON.parse(answer.text) as T;
  };
  return { call, close: () => agent.destroy() };
}
const SETTINGS = { maxTokens: 2048, temperature: 0.2, safetyPolicy: 'strict' as const };

/** Options of `measureEmulatorThroughput`. */
export interface EmulatorThroughputOptions {
  /** Conversations to run (default 1 000). */
  conversations?: number;
  /** Conversations in flight at once (default 100). */
  concurrency?: number;
  /** Where the emulator runs: a worker thread (default) or this thread. */
  emulatorOn?: 'worker' | 'same-thread';
  /** HTTP client (default `fetch`). */
  client?: BenchHttpClient;
}

/** What one run measured. */
export interface EmulatorThroughputResult {
  emulatorOn: 'worker' | 'same-thread';
  client: BenchHttpClient;
  conversations: number;
  concurrency: number;
  elapsedMs: number;
  conversationsPerSecond: number;
  /** Chunk events received on the shared socket per second. */
  chunksPerSecond: number;
  /** API requests (create, subscribe, read) per second. */
  requestsPerSecond: number;
  chunksReceived: number;
  /** Conversations whose first chunk came before the subscription (recovered by the read). */
  reconciled: number;
  /** Texts that did not equal the emulator's (0 expected). */
  mismatches: number;
  /** Create-to-complete time per conversation. */
  p50Ms: number;
  p95Ms: number;
  socketsOpened: number;
}

interface Tracked {
  startedAt: number;
  lastSequence: number;
  text: string;
  done: () => void;
}

/**
 * Runs `conversations` conversations through an in-process emulator, `concurrency` at a time, and
 * measures throughput. Client and emulator share this process (and its 2 cores).
 */
export async function measureEmulatorThroughput(
  options: EmulatorThroughputOptions = {},
): Promise<EmulatorThroughputResult> {
  const total = options.conversations ?? 1000;
  const concurrency = Math.min(options.concurrency ?? 100, MAX_TOPICS_PER_CHANNEL / 2);
  const emulatorOn = options.emulatorOn ?? 'worker';
  const client = options.client ?? 'fetch';
  const emulator =
    emulatorOn === 'worker' ? await startEmulatorWorker() : await startEmulator(EMULATOR_OPTIONS);
  const sockets: WebSocket[] = [];
  const closers: Array<() => void> = [];
  try {
    let requests = 0;
    const { call, close } = await connectCaller(emulator, client, () => (requests += 1));
    closers.push(close);
    const channel = await call<Channel>('POST', '/api/v2/notifications/channels');
    const tracked = new Map<string, Tracked>();
    const ws = new WebSocket(channel.connectUri);
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let chunksReceived = 0;
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { eventBody?: AiStreamEvent };
      const event = frame.eventBody;
      if (event === undefined || !('type' in event)) return;
      const entry = tracked.get(event.data.conversationId);
      if (entry === undefined) return;
      if (event.type === 'aiResponseChunk') {
        chunksReceived += 1;
        if (event.data.sequence === entry.lastSequence + 1) {
          entry.lastSequence = event.data.sequence;
          entry.text += event.data.content;
        }
      } else {
        entry.done();
      }
    });

    // The channel's topics: finished ones are pruned (PUT) once the list holds twice the concurrency.
    // The PUT runs alone: an add answered between its snapshot and its arrival would be wiped out.
    const activeTopics = new Set<string>();
    let topicCount = 0;
    let pruning: Promise<void> | undefined;
    let addsInFlight = 0;
    let addsDrained: (() => void) | undefined;
    const subscribe = async (topic: string): Promise<void> => {
      activeTopics.add(topic);
      while (pruning !== undefined) await pruning;
      if (topicCount + 1 > 2 * concurrency) {
        pruning = (async () => {
          while (addsInFlight > 0) await new Promise<void>((resolve) => (addsDrained = resolve));
          topicCount = activeTopics.size;
          await call(
            'PUT',
            channelSubscriptionsPath(channel.id),
            [...activeTopics].map((id) => ({ id })),
          );
        })();
        await pruning;
        pruning = undefined;
        return;
      }
      topicCount += 1;
      addsInFlight += 1;
      try {
        await call('POST', channelSubscriptionsPath(channel.id), [{ id: topic }]);
      } finally {
        addsInFlight -= 1;
        if (addsInFlight === 0) addsDrained?.();
      }
    };

    const durations: number[] = [];
    let reconciled = 0;
    let mismatches = 0;
    let next = 0;
    const runOne = async (index: number): Promise<void> => {
      const startedAt = performance.now();
      const messages = [
        { role: 'user' as const, content: `Where is order ${index}, and when will it arrive?` },
      ];
      const created = await call<ConversationCreated>('POST', conversationsPath(SEED_ASSISTANT_ID), {
        assistantId: SEED_ASSISTANT_ID,
        messages,
        settings: SETTINGS,
      });
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const entry: Tracked = { startedAt, lastSequence: 0, text: '', done: () => finish() };
      tracked.set(created.id, entry);
      const topic = aiResponseTopic(created.id);
      await subscribe(topic);
      const view = await call<Conversation>('GET', conversationPath(SEED_ASSISTANT_ID, created.id));
      if (view.response.sequence > entry.lastSequence) {
        // Chunks streamed before the subscription was active: take them from the read.
        reconciled += 1;
        entry.text = view.response.text;
        entry.lastSequence = view.response.sequence;
      }
      if (view.status === 'completed') finish();
      await finished;
      if (entry.lastSequence < view.response.sequence || view.status !== 'completed') {
        const final = await call<Conversation>('GET', conversationPath(SEED_ASSISTANT_ID, created.id));
        if (final.response.sequence > entry.lastSequence) entry.text = final.response.text;
      }
      durations.push(performance.now() - startedAt);
      // The stand-in is deterministic: the exact text is known without asking the emulator.
      if (entry.text !== generateAnswer(messages, SETTINGS).text) mismatches += 1;
      tracked.delete(created.id);
      activeTopics.delete(topic);
    };

    const began = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await runOne(next++);
      }),
    );
    const elapsedMs = performance.now() - began;
    durations.sort((a, b) => a - b);
    const seconds = elapsedMs / 1000;
    const stats = (await (
      await fetch(`${emulator.baseUrl}${CONTROL_PATHS.stats}`, {
        headers: { Authorization: `Bearer ${emulator.controlToken ?? ''}` },
      })
    ).json()) as EmulatorStats;
    return {
      emulatorOn,
      client,
      conversations: total,
      concurrency,
      elapsedMs: Math.round(elapsedMs),
      conversationsPerSecond: Math.round(total / seconds),
      chunksPerSecond: Math.round(chunksReceived / seconds),
      requestsPerSecond: Math.round(requests / seconds),
      chunksReceived,
      reconciled,
      mismatches,
      p50Ms: Math.round(durations[Math.floor(durations.length * 0.5)] ?? 0),
      p95Ms: Math.round(durations[Math.floor(durations.length * 0.95)] ?? 0),
      socketsOpened: stats.socketsOpened,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const close of closers) close();
    await emulator.close();
  }
}

/** What `measureConcurrentStreams` measured. */
export interface ConcurrentStreamsResult {
  streams: number;
  channelSockets: number;
  chunkIntervalMs: number;
  /** Most conversations streaming (first chunk seen, complete not yet) at one time. */
  peakConcurrentStreams: number;
  /** Most chunk events delivered in one second. */
  peakChunksPerSecond: number;
  /** Completed with the exact text, out of `streams`. */
  exact: number;
  /** Completion after its schedule (create + first delay + one interval per chunk and the complete): p50 and max. */
  lateP50Ms: number;
  lateMaxMs: number;
  createMs: number;
  totalMs: number;
  /** Heap of the emulator's worker thread at the peak, MiB. */
  emulatorHeapMb: number;
  /** Memory of the whole process (client, emulator, sockets) at the peak, MiB. */
  rssMb: number;
}

interface StreamEntry {
  expected: string;
  dueAt: number;
  text: string;
  started: boolean;
  doneAt: number;
}

/**
 * Holds `streams` conversations streaming at the same time: all are created (and subscribed, 1 000
 * per channel socket) within `firstChunkDelayMs`, then each streams one chunk per `chunkIntervalMs`
 * (default 500 ms, so ~35 chunks last ~17 s). Shows the emulator keeps every stream exact and on
 * schedule at that load.
 */
export async function measureConcurrentStreams(
  options: { streams?: number; chunkIntervalMs?: number } = {},
): Promise<ConcurrentStreamsResult> {
  const streams = options.streams ?? 10_000;
  const chunkIntervalMs = options.chunkIntervalMs ?? 500;
  const firstChunkDelayMs = Math.max(5_000, streams * 2);
  const emulator = await startEmulatorWorker({ rateLimit: false, chunkIntervalMs, firstChunkDelayMs });
  const sockets: WebSocket[] = [];
  const closers: Array<() => void> = [];
  try {
    // node:http for the creates: fetch alone could not create 10 000 within the first-chunk delay here.
    const { call, close } = await connectCaller(emulator, 'node-http');
    closers.push(close);

    const entries = new Map<string, StreamEntry>();
    let streaming = 0;
    let peakConcurrentStreams = 0;
    let chunks = 0;
    let completed = 0;
    const onFrame = (data: Buffer): void => {
      const event = (JSON.parse(data.toString('utf8')) as { eventBody?: AiStreamEvent }).eventBody;
      if (event === undefined || !('type' in event)) return;
      const entry = entries.get(event.data.conversationId);
      if (entry === undefined) return;
      if (event.type === 'aiResponseChunk') {
        chunks += 1;
        entry.text += event.data.content;
        if (!entry.started) {
          entry.started = true;
          streaming += 1;
          peakConcurrentStreams = Math.max(peakConcurrentStreams, streaming);
        }
        return;
      }
      entry.doneAt = performance.now();
      streaming -= 1;
      completed += 1;
    };

    const began = performance.now();
    const channelSockets = Math.ceil(streams / MAX_TOPICS_PER_CHANNEL);
    let created = 0;
    for (let c = 0; c < channelSockets; c += 1) {
      const channel = await call<Channel>('POST', '/api/v2/notifications/channels');
      const ws = new WebSocket(channel.connectUri);
      sockets.push(ws);
      await new Promise<void>((resolve) => ws.once('open', () => resolve()));
      ws.on('message', onFrame);
      const batch = Math.min(MAX_TOPICS_PER_CHANNEL, streams - created);
      const ids: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < batch) {
            const index = created + next++;
            const messages = [{ role: 'user' as const, content: `Stream ${index}: where is my parcel?` }];
            const body = { assistantId: SEED_ASSISTANT_ID, messages, settings: SETTINGS };
            const conversation = await call<ConversationCreated>(
              'POST',
              conversationsPath(SEED_ASSISTANT_ID),
              body,
            );
            const answer = generateAnswer(messages, SETTINGS);
            entries.set(conversation.id, {
              expected: answer.text,
              dueAt: performance.now() + firstChunkDelayMs + answer.chunks.length * chunkIntervalMs,
              text: '',
              started: false,
              doneAt: 0,
            });
            ids.push(conversation.id);
          }
        }),
      );
      await call(
        'PUT',
        channelSubscriptionsPath(channel.id),
        ids.map((id) => ({ id: aiResponseTopic(id) })),
      );
      created += batch;
    }
    const createMs = performance.now() - began;
    if (createMs > firstChunkDelayMs)
      throw new Error(`creating took ${Math.round(createMs)} ms, over the delay`);

    let peakChunksPerSecond = 0;
    let emulatorHeapMb = 0;
    let rssMb = 0;
    let lastChunks = chunks;
    const sampler = setInterval(() => {
      peakChunksPerSecond = Math.max(peakChunksPerSecond, chunks - lastChunks);
      lastChunks = chunks;
      if (streaming < peakConcurrentStreams * 0.9) return;
      rssMb = Math.max(rssMb, process.memoryUsage().rss / 2 ** 20);
      void emulator.heapUsed().then((bytes) => (emulatorHeapMb = Math.max(emulatorHeapMb, bytes / 2 ** 20)));
    }, 1000);
    const lastDue = Math.max(...[...entries.values()].map((e) => e.dueAt));
    while (completed < streams && performance.now() < lastDue + 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    clearInterval(sampler);
    const late = [...entries.values()].map((e) =>
      e.doneAt > 0 ? e.doneAt - e.dueAt : Number.POSITIVE_INFINITY,
    );
    late.sort((a, b) => a - b);
    return {
      streams,
      channelSockets,
      chunkIntervalMs,
      peakConcurrentStreams,
      peakChunksPerSecond,
      exact: [...entries.values()].filter((e) => e.doneAt > 0 && e.text === e.expected).length,
      lateP50Ms: Math.round(late[Math.floor(late.length / 2)] ?? 0),
      lateMaxMs: Math.round(late[late.length - 1] ?? 0),
      createMs: Math.round(createMs),
      totalMs: Math.round(performance.now() - began),
      emulatorHeapMb: Math.round(emulatorHeapMb),
      rssMb: Math.round(rssMb),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    for (const close of closers) close();
    await emulator.close();
  }
}

/** A running emulator as the benchmark needs it, wherever it runs. */
interface BenchEmulator {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** What the control endpoints require. */
  controlToken: string | undefined;
  /** Heap used by the emulator's thread, in bytes. */
  heapUsed(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the emulator in a worker thread (this file is the worker's entry, loaded through tsx). */
async function startEmulatorWorker(options: EmulatorOptions = EMULATOR_OPTIONS): Promise<BenchEmulator> {
  const code =
    "import('tsx/esm/api').then(({ register }) => { register(); " +
    `return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(code, { eval: true, workerData: { emulatorWorker: true, options } });
  const started = await new Promise<
    Pick<BenchEmulator, 'baseUrl' | 'clientId' | 'clientSecret' | 'controlToken'>
  >((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    ...started,
    heapUsed: () =>
      new Promise<number>((resolve) => {
        worker.once('message', (bytes: number) => resolve(bytes));
        worker.postMessage('heap');
      }),
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      await exited;
    },
  };
}

/** Worker side: start the emulator, report its address, close it when told. */
async function serveEmulatorInWorker(options: EmulatorOptions): Promise<void> {
  const emulator = await startEmulator(options);
  parentPort?.postMessage({
    baseUrl: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    controlToken: emulator.controlToken,
  });
  parentPort?.on('message', (message: string) => {
    if (message === 'heap') parentPort?.postMessage(process.memoryUsage().heapUsed);
    else void emulator.close().then(() => parentPort?.close());
  });
}

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const worker = workerData as { emulatorWorker?: boolean; options?: EmulatorOptions } | undefined;
if (!isMainThread && worker?.emulatorWorker === true) {
  await serveEmulatorInWorker(worker.options ?? EMULATOR_OPTIONS);
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const conversations = argument('conversations', 1000);
  const concurrency = argument('concurrency', 100);
  const rows: EmulatorThroughputResult[] = [];
  const cases = [
    { emulatorOn: 'same-thread', client: 'fetch' },
    { emulatorOn: 'worker', client: 'fetch' },
    { emulatorOn: 'worker', client: 'node-http' },
  ] as const;
  for (const { emulatorOn, client } of cases) {
    // A warm-up run first, so the figures are not of a cold JIT (a worker starts cold each run).
    await measureEmulatorThroughput({
      conversations: Math.min(300, conversations),
      concurrency,
      emulatorOn,
      client,
    });
    rows.push(await measureEmulatorThroughput({ conversations, concurrency, emulatorOn, client }));
  }
  console.log(
    `emulator throughput: ${conversations} conversations, ${concurrency} in flight, one shared channel socket, ` +
      'chunkIntervalMs 1, rate limit and faults off; client (fetch or node:http, and ws) on the main thread',
  );
  console.table(rows);
  const streams = argument('streams', 0);
  if (streams > 0) {
    const result = await measureConcurrentStreams({ streams });
    console.log(
      `concurrent streams: ${streams} conversations streaming at once on ${result.channelSockets} channel sockets, ` +
        `one chunk per ${result.chunkIntervalMs} ms each; emulator in a worker thread`,
    );
    console.table([result]);
  }
}
