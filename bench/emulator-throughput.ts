/**
 * Emulator throughput: conversations created and streamed to completion per second, with plain
 * `fetch` and `ws` (not the library client). Each conversation: POST create, POST its topic onto one
 * shared channel, read it once (as a real client reconciles after subscribing), then wait for its
 * complete event on the shared socket. Rate limit and faults off, chunkIntervalMs 1.
 * The emulator runs in its own process (as a remote Genesys would) or, for comparison, on the
 * client's thread.
 * Run: npx tsx bench/emulator-throughput.ts [--conversations 1000] [--concurrency 100]
 */
import { pathToFileURL } from 'node:url';
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
import { generateAnswer, type EmulatorOptions } from '../src/emulator/index.js';
import {
  SETTINGS,
  commandLineNumber as argument,
  connectCaller,
  type BenchHttpClient,
} from './emulator-bench-client.js';
import { startEmulatorHere, startEmulatorProcess } from './emulator-process.js';

const EMULATOR_OPTIONS: EmulatorOptions = { rateLimit: false, chunkIntervalMs: 1 };

/** Where the emulator runs: its own process (default), or the client's thread. */
export type EmulatorPlace = 'own process' | 'same thread';

/** Options of `measureEmulatorThroughput`. */
export interface EmulatorThroughputOptions {
  /** Conversations to run (default 1 000). */
  conversations?: number;
  /** Conversations in flight at once (default 100). */
  concurrency?: number;
  /** Where the emulator runs (default its own process). */
  emulatorOn?: EmulatorPlace;
  /** HTTP client (default `fetch`). */
  client?: BenchHttpClient;
}

/** What one run measured. */
export interface EmulatorThroughputResult {
  emulatorOn: EmulatorPlace;
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
 * Runs `conversations` conversations through the emulator, `concurrency` at a time, and measures
 * throughput.
 */
export async function measureEmulatorThroughput(
  options: EmulatorThroughputOptions = {},
): Promise<EmulatorThroughputResult> {
  const total = options.conversations ?? 1000;
  const concurrency = Math.min(options.concurrency ?? 100, MAX_TOPICS_PER_CHANNEL / 2);
  const emulatorOn = options.emulatorOn ?? 'own process';
  const client = options.client ?? 'fetch';
  const emulator =
    emulatorOn === 'own process'
      ? await startEmulatorProcess(EMULATOR_OPTIONS)
      : await startEmulatorHere(EMULATOR_OPTIONS);
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
    const stats = await emulator.stats();
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const conversations = argument('conversations', 1000);
  const concurrency = argument('concurrency', 100);
  const rows: EmulatorThroughputResult[] = [];
  const cases = [
    { emulatorOn: 'same thread', client: 'fetch' },
    { emulatorOn: 'own process', client: 'fetch' },
    { emulatorOn: 'own process', client: 'node-http' },
  ] as const;
  for (const { emulatorOn, client } of cases) {
    // A warm-up run first, so the figures are not of a cold JIT (a child process starts cold each run).
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
      'chunkIntervalMs 1, rate limit and faults off; client (fetch or node:http, and ws) on the main thread; ' +
      'bench/emulator-concurrent-streams.ts holds thousands of streams at once',
  );
  console.table(rows);
}
