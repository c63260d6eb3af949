import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  NotificationStreamTransport,
  type NotificationStreamTransportOptions,
} from '../../src/stream/index.js';
import {
  FAKE_ASSISTANT,
  startFakeGenesys,
  type FakeGenesys,
  type FakeGenesysOptions,
} from './fake-genesys.js';
import { answerChunks, drain, until } from './stream-test-kit.js';

let fake: FakeGenesys | undefined;
let transport: NotificationStreamTransport | undefined;

async function setup(
  fakeOptions: FakeGenesysOptions = {},
  options: Partial<NotificationStreamTransportOptions> = {},
): Promise<{ fake: FakeGenesys; transport: NotificationStreamTransport }> {
  fake = await startFakeGenesys({ heartbeatIntervalMs: 500, firstChunkDelayMs: 1, ...fakeOptions });
  transport = new NotificationStreamTransport({
    backend: fake.backend,
    heartbeatIntervalMs: 500,
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

/** Starts a conversation after `prepare` and waits until its whole answer was sent, before any stream opens. */
async function answeredBeforeOpen(f: FakeGenesys, t: NotificationStreamTransport, id: string): Promise<void> {
  expect(await t.prepare(FAKE_ASSISTANT)).toBe(true);
  f.startConversation(id, answerChunks(id));
  await until(() => f.finished(id));
}

describe('NotificationStreamTransport on the assistant responses topic', () => {
  it('subscribes the topic once for every conversation: no request per conversation, no read', async () => {
    const { fake, transport } = await setup();
    const ids = ['c1', 'c2', 'c3', 'c4'];
    const results = await Promise.all(
      ids.map(async (id) => {
        expect(await transport.prepare(FAKE_ASSISTANT)).toBe(true);
        fake.startConversation(id, answerChunks(id));
        return drain(transport.open(FAKE_ASSISTANT, id));
      }),
    );
    for (const [i, id] of ids.entries()) {
      expect(results[i]!.outcome.text).toBe(fake.text(id));
      expect(results[i]!.streamed).toBe(fake.text(id));
      expect(results[i]!.outcome.reads).toBe(0);
    }
    expect(fake.calls).toMatchObject({ createChannel: 1, addSubscriptions: 1, getConversation: 0 });
  });

  it('keeps the events that come before the stream opens and hands them over: exact text, no read', async () => {
    const { fake, transport } = await setup();
    await answeredBeforeOpen(fake, transport, 'early');
    const { outcome, streamed } = await drain(transport.open(FAKE_ASSISTANT, 'early'));
    expect(outcome.text).toBe(fake.text('early'));
    expect(streamed).toBe(fake.text('early'));
    expect(outcome.reads).toBe(0);
    expect(fake.calls.getConversation).toBe(0);
    expect(transport.stats().earlyEventsDropped).toBe(0);
  });

  it('a stream whose answer came whole before it opened starts no quiet-time timer (it missed nothing)', async () => {
    const { fake, transport } = await setup();
    await answeredBeforeOpen(fake, transport, 'held');
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const { outcome } = await drain(transport.open(FAKE_ASSISTANT, 'held'));
      expect(outcome.text).toBe(fake.text('held'));
      // idleReadMs is 100 in these tests: no timer of that length was started for the stream.
      expect(timers.mock.calls.filter(([, ms]) => ms === 100)).toEqual([]);
    } finally {
      timers.mockRestore();
    }
  });

  it('past maxEarlyConversations drops the oldest conversation whole; its stream reads and is exact', async () => {
    const { fake, transport } = await setup({}, { limits: { maxEarlyConversations: 1 } });
    await answeredBeforeOpen(fake, transport, 'first');
    await answeredBeforeOpen(fake, transport, 'second');
    expect(transport.stats().earlyEventsDropped).toBe(1);
    const first = await drain(transport.open(FAKE_ASSISTANT, 'first'));
    expect(first.outcome.text).toBe(fake.text('first'));
    expect(first.outcome.reads).toBe(1);
    const second = await drain(transport.open(FAKE_ASSISTANT, 'second'));
    expect(second.outcome.text).toBe(fake.text('second'));
    expect(second.outcome.reads).toBe(0);
  });

  it('past maxEarlyEventBytes drops what it held; the stream recovers by a read', async () => {
    const { fake, transport } = await setup({}, { limits: { maxEarlyEventBytes: 200 } });
    await answeredBeforeOpen(fake, transport, 'big');
    expect(transport.stats().earlyEventsDropped).toBeGreaterThanOrEqual(1);
    const { outcome } = await drain(transport.open(FAKE_ASSISTANT, 'big'));
    expect(outcome.text).toBe(fake.text('big'));
    expect(outcome.reads).toBe(1);
  });

  it('holds nothing while no create is expected: events of conversations it never opens are not kept', async () => {
    const { fake, transport } = await setup();
    expect(await transport.prepare(FAKE_ASSISTANT)).toBe(true);
    transport.abandon(FAKE_ASSISTANT);
    fake.startConversation('foreign', answerChunks('foreign'));
    await until(() => fake.finished('foreign'));
    // Opened anyway (as if it were ours): nothing was held, so it reads.
    const { outcome } = await drain(transport.open(FAKE_ASSISTANT, 'foreign'));
    expect(outcome.reads).toBe(1);
    expect(transport.stats().earlyEventsDropped).toBe(0);
  });

  it('falls back to one conversation topic each when the server refuses the assistant topic', async () => {
    const { fake, transport } = await setup({ assistantTopic: false });
    expect(await transport.prepare(FAKE_ASSISTANT)).toBe(false);
    // Refused once: later creates do not ask again.
    expect(await transport.prepare(FAKE_ASSISTANT)).toBe(false);
    expect(fake.calls.addSubscriptions).toBe(1);
    fake.startConversation('c1', answerChunks('c1'));
    const { outcome } = await drain(transport.open(FAKE_ASSISTANT, 'c1'));
    expect(outcome.text).toBe(fake.text('c1'));
    expect(fake.calls.addSubscriptions).toBe(2);
  });

  it('after a drop, streams on the topic reconnect and recover the exact text', async () => {
    const { fake, transport } = await setup({ firstChunkDelayMs: 20 });
    fake.dropAfterChunks(10);
    const ids = ['d1', 'd2'];
    const results = await Promise.all(
      ids.map(async (id) => {
        await transport.prepare(FAKE_ASSISTANT);
        fake.startConversation(id, answerChunks(id));
        return drain(transport.open(FAKE_ASSISTANT, id));
      }),
    );
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(transport.stats().reconnects).toBe(1);
  });
});

describe('NotificationStreamTransport on conversation topics', () => {
  it('sends the first subscription at once when the channel is idle (no batching wait)', async () => {
    // A batching window far longer than the test: only an immediate request lets it finish.
    const { fake, transport } = await setup(
      { assistantTopic: false },
      { assistantTopic: false, subscribeCoalesceMs: 60_000 },
    );
    fake.startConversation('solo', answerChunks('solo'));
    const { outcome } = await drain(transport.open(FAKE_ASSISTANT, 'solo'));
    expect(outcome.text).toBe(fake.text('solo'));
    expect(fake.calls.addSubscriptions).toBe(1);
  });
});
