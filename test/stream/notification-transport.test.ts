import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, StreamError } from '../../src/errors.js';
import {
  NotificationStreamTransport,
  type NotificationStreamTransportOptions,
} from '../../src/stream/index.js';
import { startFakeGenesys, type FakeGenesys, type FakeGenesysOptions } from './fake-genesys.js';
import { answerChunks, drain, until } from './stream-test-kit.js';

const ASSISTANT = 'a1';
let fake: FakeGenesys | undefined;
let transport: NotificationStreamTransport | undefined;

const HEARTBEAT_MS = 500;

async function setup(
  fakeOptions: FakeGenesysOptions = {},
  options: Partial<NotificationStreamTransportOptions> = {},
): Promise<{ fake: FakeGenesys; transport: NotificationStreamTransport }> {
  // 2.5 heartbeat intervals of silence mean a dead socket: 1.25 s, so a stalled event loop on a loaded
  // machine is not mistaken for one.
  // What a test counts (malformed frames, reconnects after a drop) must reach the socket.
  fake = await startFakeGenesys({
    heartbeatIntervalMs: HEARTBEAT_MS,
    holdFirstChunkUntilSubscribed: true,
    ...fakeOptions,
  });
  transport = new NotificationStreamTransport({
    backend: fake.backend,
    heartbeatIntervalMs: HEARTBEAT_MS,
    backoff: { baseMs: 5, maxMs: 20, random: () => 0.5 },
    idleReadMs: 100,
    ...options,
  });
  return { fake, transport };
}

afterEach(async () => {
  await transport?.close();
  await fake?.close();
  transport = undefined;
  fake = undefined;
});

/** Starts `n` conversations, opens a stream for each, and returns their drained results. */
async function streamMany(f: FakeGenesys, t: NotificationStreamTransport, n: number, chunks = 12) {
  const ids = Array.from({ length: n }, (_, i) => `conv-${i}`);
  for (const id of ids) f.startConversation(id, answerChunks(id, chunks));
  const results = await Promise.all(ids.map((id) => drain(t.open(ASSISTANT, id))));
  return { ids, results };
}

describe('NotificationStreamTransport', () => {
  it('streams several conversations on one channel with one subscription request', async () => {
    const { fake, transport } = await setup();
    const { ids, results } = await streamMany(fake, transport, 5);
    for (const [i, id] of ids.entries()) {
      expect(results[i]!.outcome.text).toBe(fake.text(id));
      expect(results[i]!.streamed).toBe(fake.text(id));
      expect(results[i]!.outcome).toMatchObject({ finishReason: 'stop', truncated: false });
    }
    expect(fake.calls.createChannel).toBe(1);
    expect(fake.calls.addSubscriptions).toBe(1);
    expect(transport.stats()).toMatchObject({ socketsOpened: 1, liveStreams: 0 });
  });

  it('recovers the exact text after the socket drops mid-stream', async () => {
    const { fake, transport } = await setup();
    fake.dropAfterChunks(15);
    const { ids, results } = await streamMany(fake, transport, 3);
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(transport.stats().reconnects).toBe(1);
    expect(results[0]!.outcome.reconnects).toBe(1);
  });

  it('treats 2.5 heartbeat intervals of silence as a drop', async () => {
    const { fake, transport } = await setup({ chunkIntervalMs: 15 });
    fake.startConversation('quiet', answerChunks('quiet', 20));
    const handle = transport.open(ASSISTANT, 'quiet');
    // Mid-answer: the fake sends one chunk per timer, so 18 of the 20 are still to come.
    await until(() => fake.chunksSent('quiet') >= 2);
    fake.goSilent();
    const { outcome } = await drain(handle);
    expect(outcome.text).toBe(fake.text('quiet'));
    expect(outcome.reconnects).toBe(1);
    expect(transport.stats().socketsOpened).toBe(2);
  });

  it('skips and counts malformed frames and still returns the exact text', async () => {
    const { fake, transport } = await setup();
    fake.malformedEvery(4);
    const { ids, results } = await streamMany(fake, transport, 3);
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(results.some((r) => r.outcome.malformedFrames > 0)).toBe(true);
  });

  it('on socket_closing opens a new channel before leaving the old one, without doubling text', async () => {
    const { fake, transport } = await setup({ chunkIntervalMs: 10 });
    const ids = ['s1', 's2'];
    for (const id of ids) fake.startConversation(id, answerChunks(id, 20));
    const handles = ids.map((id) => transport.open(ASSISTANT, id));
    // Mid-answer: the fake sends one chunk per timer, so 18 of each 20 are still to come.
    await until(() => ids.every((id) => fake.chunksSent(id) >= 2));
    fake.socketClosing(100);
    const results = await Promise.all(handles.map(drain));
    for (const [i, id] of ids.entries()) {
      expect(results[i]!.outcome.text).toBe(fake.text(id));
      expect(results[i]!.streamed).toBe(fake.text(id));
      expect(results[i]!.outcome.reconnects).toBe(0);
    }
    expect(fake.calls.createChannel).toBe(2);
  });

  it('replaces a channel before it expires', async () => {
    const { fake, transport } = await setup({ channelLifetimeMs: 150, chunkIntervalMs: 10 });
    fake.startConversation('e1', answerChunks('e1', 25));
    const { outcome } = await drain(transport.open(ASSISTANT, 'e1'));
    expect(outcome.text).toBe(fake.text('e1'));
    expect(fake.calls.createChannel).toBeGreaterThanOrEqual(2);
  });

  it('does not renew in a loop a channel whose expires is already past when it arrives', async () => {
    const { fake, transport } = await setup({ reportedExpiresOffsetMs: -2 * 86_400_000 });
    const { results } = await streamMany(fake, transport, 2);
    for (const result of results) expect(result.outcome.finishReason).toBe('stop');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.calls.createChannel).toBe(1);
  });

  it('cuts the answer at the token budget and marks it truncated', async () => {
    const { fake, transport } = await setup();
    fake.startConversation('b1', answerChunks('b1', 12));
    const outcome = await transport.open(ASSISTANT, 'b1', { budgetTokens: 20, countTokens: (t) => t.length })
      .result;
    expect(outcome).toMatchObject({ truncated: true, finishReason: 'budget' });
    expect(fake.text('b1').startsWith(outcome.text)).toBe(true);
    expect(outcome.text.length).toBeGreaterThanOrEqual(20);
    expect(outcome.text.length).toBeLessThan(fake.text('b1').length);
  });

  it('rejects with StreamError carrying the code of an aiResponseError event', async () => {
    const { fake, transport } = await setup();
    fake.startConversation('x1', answerChunks('x1', 6), {
      error: { code: 'model.overloaded', message: 'busy' },
    });
    const error = await transport.open(ASSISTANT, 'x1').result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('model.overloaded');
  });

  it('produces the outcome from a read when the answer finished before the subscription', async () => {
    const { fake, transport } = await setup({
      firstChunkDelayMs: 1,
      chunkIntervalMs: 1,
      holdFirstChunkUntilSubscribed: false,
    });
    fake.startConversation('early', answerChunks('early', 5));
    await until(() => fake.finished('early'));
    const { outcome, streamed } = await drain(transport.open(ASSISTANT, 'early'));
    expect(outcome.text).toBe(fake.text('early'));
    expect(streamed).toBe(fake.text('early'));
    expect(outcome.reads).toBe(1);
  });

  it('serves 1,000 concurrent conversations on ONE socket, each with the exact text', async () => {
    const { fake, transport } = await setup(
      { chunkIntervalMs: 5, heartbeatIntervalMs: 200 },
      { heartbeatIntervalMs: 200 },
    );
    const { ids, results } = await streamMany(fake, transport, 1000, 6);
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(transport.stats()).toMatchObject({ socketsOpened: 1, channelsCreated: 1 });
    expect(fake.calls.createChannel).toBe(1);
    expect(fake.calls.addSubscriptions).toBeLessThanOrEqual(3);
  });

  it('opens a second channel only past the topic limit, and prunes lapsed topics with a PUT', async () => {
    const { fake, transport } = await setup({}, { maxTopicsPerChannel: 2 });
    const { ids, results } = await streamMany(fake, transport, 3, 3);
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(fake.calls.createChannel).toBe(2);
  });

  it('cleans up when the consumer breaks out or the signal aborts', async () => {
    const { fake, transport } = await setup({ chunkIntervalMs: 10 });
    fake.startConversation('brk', answerChunks('brk', 30));
    // Long enough (5 s of chunks) that the abort 50 ms after the open comes first on any machine.
    fake.startConversation('abt', answerChunks('abt', 500));
    const handle = transport.open(ASSISTANT, 'brk');
    // The first piece is chunk 1, or a read reconciling the chunks sent before the subscription
    // (a loaded machine may subscribe late): either way it starts the answer.
    let pieces = 0;
    for await (const chunk of handle.chunks) {
      pieces++;
      expect(fake.text('brk').startsWith(chunk.content)).toBe(true);
      expect(chunk.sequence).toBeGreaterThanOrEqual(1);
      break;
    }
    expect(pieces).toBe(1);
    await expect(handle.result).rejects.toBeInstanceOf(AbortError);
    const controller = new AbortController();
    const aborted = transport.open(ASSISTANT, 'abt', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(aborted.result).rejects.toBeInstanceOf(AbortError);
    expect(transport.stats().liveStreams).toBe(0);
  });

  it('close() ends every stream, socket and timer', async () => {
    const handles = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r.startsWith('TCP')).length;
    const before = handles();
    const { fake, transport } = await setup();
    fake.startConversation('c1', answerChunks('c1', 200));
    const handle = transport.open(ASSISTANT, 'c1');
    await until(() => fake.openSockets() === 1);
    await transport.close();
    await expect(handle.result).rejects.toBeInstanceOf(AbortError);
    expect(transport.stats().socketsOpen).toBe(0);
    await until(() => fake.openSockets() === 0);
    await fake.close();
    await until(() => handles() <= before);
  });
});
