import { afterEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { DirectStreamTransport } from '../../src/stream/index.js';
import { startFakeGenesys, type FakeGenesys } from './fake-genesys.js';
import { answerChunks, drain, until } from './stream-test-kit.js';

let fake: FakeGenesys | undefined;
let transport: DirectStreamTransport | undefined;

async function setup(): Promise<{ fake: FakeGenesys; transport: DirectStreamTransport }> {
  // What a test counts (malformed frames, reconnects after a drop) must reach the socket.
  fake = await startFakeGenesys({ holdFirstChunkUntilSubscribed: true });
  transport = new DirectStreamTransport({
    backend: fake.backend,
    // Pings only guard against a dead socket here: slow enough that a stalled event loop on a loaded
    // machine is not mistaken for one (2.5 intervals of silence).
    pingIntervalMs: 1_000,
    backoff: { baseMs: 5, maxMs: 20, random: () => 0.5 },
    idleReadMs: 100,
  });
  return { fake, transport };
}

afterEach(async () => {
  await transport?.close();
  await fake?.close();
  transport = undefined;
  fake = undefined;
});

describe('DirectStreamTransport', () => {
  it('multiplexes several conversations on one socket with the exact text', async () => {
    const { fake, transport } = await setup();
    const ids = ['d1', 'd2', 'd3'];
    for (const id of ids) fake.startConversation(id, answerChunks(id));
    const results = await Promise.all(ids.map((id) => drain(transport.open('a1', id))));
    for (const [i, id] of ids.entries()) {
      expect(results[i]!.outcome.text).toBe(fake.text(id));
      expect(results[i]!.streamed).toBe(fake.text(id));
    }
    expect(transport.stats()).toMatchObject({ socketsOpened: 1, reconnects: 0 });
  });

  it('reconnects after a drop, resubscribes and reconciles to the exact text', async () => {
    const { fake, transport } = await setup();
    fake.dropAfterChunks(10);
    const ids = ['r1', 'r2'];
    for (const id of ids) fake.startConversation(id, answerChunks(id));
    const results = await Promise.all(ids.map((id) => drain(transport.open('a1', id))));
    for (const [i, id] of ids.entries()) expect(results[i]!.outcome.text).toBe(fake.text(id));
    expect(transport.stats()).toMatchObject({ socketsOpened: 2, reconnects: 1 });
  });

  it('re-upgrades with a fresh token when the token expired mid-stream', async () => {
    const { fake, transport } = await setup();
    fake.startConversation('t1', answerChunks('t1', 20));
    const handle = transport.open('a1', 't1');
    await until(() => transport.stats().socketsOpened === 1);
    fake.expireTokens();
    fake.dropAfterChunks(3);
    const { outcome } = await drain(handle);
    expect(outcome.text).toBe(fake.text('t1'));
    expect(fake.calls.getAccessToken).toBe(2);
    expect(transport.stats().socketsOpened).toBe(2);
  });

  it('skips malformed frames and still returns the exact text', async () => {
    const { fake, transport } = await setup();
    fake.malformedEvery(3);
    fake.startConversation('m1', answerChunks('m1'));
    const { outcome } = await drain(transport.open('a1', 'm1'));
    expect(outcome.text).toBe(fake.text('m1'));
    expect(outcome.malformedFrames).toBeGreaterThan(0);
  });

  it('close() ends streams and the socket', async () => {
    const { fake, transport } = await setup();
    fake.startConversation('c1', answerChunks('c1', 200));
    const handle = transport.open('a1', 'c1');
    await until(() => fake.openSockets() === 1);
    await transport.close();
    await expect(handle.result).rejects.toBeInstanceOf(AbortError);
    await until(() => fake.openSockets() === 0);
    expect(transport.stats().socketsOpen).toBe(0);
  });
});
