import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorBodySchema,
  NOTIFICATION_CHANNELS_PATH,
  aiResponseTopic,
  channelSubscriptionsPath,
  conversationsPath,
} from '../../src/contract/index.js';
import {
  CONTROL_PATHS,
  GARBAGE_FRAME,
  type Emulator,
  type EmulatorFaults,
} from '../../src/emulator/index.js';
import {
  ASSISTANT,
  api,
  control,
  createBody,
  createConversation,
  eventsOf,
  login,
  openSocket,
  start,
  stopAll,
  until,
  type CollectingSocket,
} from './emulator-test-kit.js';

afterEach(stopAll);

async function statusSequence(emulator: Emulator, token: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i += 1) {
    statuses.push((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status);
  }
  return statuses;
}

async function channelSocket(
  emulator: Emulator,
  token: string,
): Promise<{ id: string; socket: CollectingSocket }> {
  const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
    id: string;
    connectUri: string;
  };
  return { id: channel.id, socket: await openSocket(channel.connectUri) };
}

describe('emulator fault injection', () => {
  it('injects the same sequence of statuses for the same seed, and counts them', async () => {
    const faults: EmulatorFaults = { seed: 42, rate429: 0.25, rate5xx: 0.25, retryAfterSeconds: 3 };
    const a = await start({ faults });
    const b = await start({ faults });
    const c = await start({ faults: { ...faults, seed: 7 } });
    const [ta, tb, tc] = await Promise.all([login(a), login(b), login(c)]);
    const sa = await statusSequence(a, ta, 40);
    const sb = await statusSequence(b, tb, 40);
    const sc = await statusSequence(c, tc, 40);
    expect(sa).toEqual(sb);
    expect(sc).not.toEqual(sa);
    expect(sa).toContain(429);
    expect(sa.some((s) => s >= 500)).toBe(true);
    expect(sa).toContain(200);
    const stats = a.stats();
    expect(stats.injected.rate429).toBe(sa.filter((s) => s === 429).length);
    expect(stats.injected.rate5xx).toBe(sa.filter((s) => s >= 500).length);
    expect(stats.rateLimited).toBe(0);

    a.setFaults(faults);
    expect(await statusSequence(a, ta, 40)).toEqual(sa);
  });

  it('answers injected faults in the real shape (429 with Retry-After, 500/502/503)', async () => {
    const emulator = await start({ faults: { rate429: 0.5, rate5xx: 0.5, retryAfterSeconds: 3 } });
    const token = await login(emulator);
    const seen = new Map<number, { headers: Headers; body: unknown }>();
    for (let i = 0; i < 60; i += 1) {
      const answer = await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH);
      seen.set(answer.status, answer);
    }
    expect([...seen.keys()].sort()).toEqual([429, 500, 502, 503]);
    expect(seen.get(429)?.headers.get('Retry-After')).toBe('3');
    expect(ErrorBodySchema.parse(seen.get(429)?.body).code).toBe('too.many.requests.retry.after');
    expect(ErrorBodySchema.parse(seen.get(503)?.body)).toMatchObject({
      status: 503,
      code: 'service.unavailable',
    });
  });

  it('does not apply faults to /oauth/token or /__emulator', async () => {
    const emulator = await start({ faults: { rate5xx: 1, latencyMs: 50 } });
    for (let i = 0; i < 5; i += 1) await login(emulator);
    expect((await control(emulator, 'GET', CONTROL_PATHS.stats)).status).toBe(200);
    expect(emulator.stats().injected).toMatchObject({ rate5xx: 0, latency: 0 });
  });

  it('loses half of the injected 5xx answers of the create AFTER creating: a retry with the key finds it', async () => {
    const emulator = await start({ faults: { seed: 3, rate5xx: 1 } });
    const token = await login(emulator);
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    for (const key of keys) {
      const answer = await api(emulator, token, 'POST', conversationsPath(ASSISTANT), createBody('Hi'), {
        'Idempotency-Key': key,
      });
      expect(answer.status).toBeGreaterThanOrEqual(500);
    }
    const createdBehindFailures = emulator.stats().conversationsCreated;
    expect(createdBehindFailures).toBeGreaterThan(0);
    expect(createdBehindFailures).toBeLessThan(20);
    expect(emulator.stats().injected.rate5xx).toBe(20);

    emulator.setFaults({});
    for (const key of keys) {
      const answer = await api(emulator, token, 'POST', conversationsPath(ASSISTANT), createBody('Hi'), {
        'Idempotency-Key': key,
      });
      expect(answer.status).toBe(201);
    }
    expect(emulator.stats()).toMatchObject({
      conversationsCreated: 20,
      idempotentReplays: createdBehindFailures,
    });
  });

  it('dropAfterChunks terminates the socket carrying a conversation after N of its chunks, once', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true, faults: { dropAfterChunks: 3 } });
    const token = await login(emulator);
    const { id: channelId, socket } = await channelSocket(emulator, token);
    const id = await createConversation(emulator, token);
    await api(emulator, token, 'POST', channelSubscriptionsPath(channelId), [{ id: aiResponseTopic(id) }]);
    await until(() => socket.closed);
    expect(socket.closeCode).toBe(1006);
    expect(eventsOf(socket, 'aiResponseChunk').length).toBeLessThanOrEqual(3);
    const again = await openSocket(`ws://127.0.0.1:${emulator.port}/channels/${channelId}`);
    await until(() => emulator.conversation(id)?.status === 'completed');
    await until(() => eventsOf(again, 'aiResponseComplete').length === 1);
    expect(again.closed).toBe(false);
    expect(emulator.stats().injected.drops).toBe(1);
  });

  it('dropRate terminates the sockets of that share of conversations at a random chunk', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true, faults: { seed: 5, dropRate: 1 } });
    const token = await login(emulator);
    const { id: channelId, socket } = await channelSocket(emulator, token);
    const id = await createConversation(emulator, token);
    await api(emulator, token, 'POST', channelSubscriptionsPath(channelId), [{ id: aiResponseTopic(id) }]);
    await until(() => socket.closed);
    expect(eventsOf(socket, 'aiResponseComplete')).toHaveLength(0);
    await until(() => emulator.conversation(id)?.status === 'completed');
    expect(emulator.stats().injected.drops).toBe(1);
  });

  it('precedes a share of frames with a garbage frame; the real frame still follows', async () => {
    const emulator = await start({
      holdFirstChunkUntilSubscribed: true,
      heartbeatIntervalMs: 10,
      faults: { seed: 9, malformedFrameRate: 0.3 },
    });
    const token = await login(emulator);
    const { id: channelId, socket } = await channelSocket(emulator, token);
    const id = await createConversation(emulator, token);
    await api(emulator, token, 'POST', channelSubscriptionsPath(channelId), [{ id: aiResponseTopic(id) }]);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    const garbage = socket.frames.filter((f) => f === GARBAGE_FRAME).length;
    expect(garbage).toBeGreaterThan(0);
    socket.frames.forEach((frame, i) => {
      if (frame === GARBAGE_FRAME) expect(socket.frames[i + 1]).not.toBe(GARBAGE_FRAME);
    });
    expect(
      eventsOf(socket, 'aiResponseChunk')
        .map((c) => c.data.content)
        .join(''),
    ).toBe(emulator.conversation(id)?.text);
    await until(() => emulator.stats().injected.malformedFrames >= garbage);
    expect(emulator.stats().injected.malformedFrames).toBeGreaterThanOrEqual(garbage);
  });

  it('adds latencyMs to every /api/v2 answer and counts it', async () => {
    const emulator = await start({ faults: { latencyMs: 60 } });
    const token = await login(emulator);
    const began = Date.now();
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(55);
    expect(emulator.stats().injected.latency).toBe(1);
  });
});
