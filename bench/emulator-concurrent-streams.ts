/**
 * Concurrent streams: holds many conversations streaming at the same time (10 000 by default, 1 000
 * per channel socket) and checks the emulator keeps every one exact and on schedule. Plain `node:http`
 * and `ws`, the emulator in its own process.
 * Run: npx tsx bench/emulator-concurrent-streams.ts [--streams 10000]
 */
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import {
  MAX_TOPICS_PER_CHANNEL,
  SEED_ASSISTANT_ID,
  aiResponseTopic,
  channelSubscriptionsPath,
  conversationsPath,
  type AiStreamEvent,
  type Channel,
  type ConversationCreated,
} from '../src/contract/index.js';
import { generateAnswer } from '../src/emulator/index.js';
import { SETTINGS, commandLineNumber as argument, connectCaller } from './emulator-bench-client.js';
import { startEmulatorProcess } from './emulator-process.js';

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
  /** Heap of the emulator's process at the peak, MiB. */
  emulatorHeapMb: number;
  /** Memory of the client's process (client and its sockets) at the peak, MiB. */
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
  const emulator = await startEmulatorProcess({ rateLimit: false, chunkIntervalMs, firstChunkDelayMs });
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureConcurrentStreams({ streams: argument('streams', 10_000) });
  console.log(
    `concurrent streams: ${result.streams} conversations streaming at once on ${result.channelSockets} channel sockets, ` +
      `one chunk per ${result.chunkIntervalMs} ms each; emulator in its own process`,
  );
  console.table([result]);
}
