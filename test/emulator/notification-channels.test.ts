import { afterEach, describe, expect, it } from 'vitest';
import {
  ChannelSchema,
  NOTIFICATION_CHANNELS_PATH,
  NotificationFrameSchema,
  SOCKET_CLOSING_TOPIC,
  SubscriptionListSchema,
  aiResponseTopic,
  channelSubscriptionsPath,
} from '../../src/contract/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import {
  api,
  createConversation,
  eventsOf,
  login,
  openSocket,
  refusedUpgradeStatus,
  sleep,
  start,
  stopAll,
  until,
  type CollectingSocket,
} from './emulator-test-kit.js';

afterEach(stopAll);

async function createChannel(
  emulator: Emulator,
  token: string,
): Promise<ReturnType<typeof ChannelSchema.parse>> {
  const answer = await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH);
  expect(answer.status).toBe(200);
  return ChannelSchema.parse(answer.body);
}

async function subscribeTopics(
  emulator: Emulator,
  token: string,
  channelId: string,
  topics: string[],
  method = 'POST',
): Promise<{ status: number; body: unknown }> {
  return api(
    emulator,
    token,
    method,
    channelSubscriptionsPath(channelId),
    topics.map((id) => ({ id })),
  );
}

function topicsOf(socket: CollectingSocket): string[] {
  return socket.json().map((f) => (f as { topicName: string }).topicName);
}

describe('emulator notification service (the default transport)', () => {
  it('creates a channel {id, connectUri, expires} whose socket streams framed AI events', async () => {
    // Held until subscribed: the test subscribes after the create, and must see every chunk.
    const emulator = await start({ firstChunkDelayMs: 40, holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    expect(channel.connectUri).toBe(`ws://127.0.0.1:${emulator.port}/channels/${channel.id}`);
    expect(Date.parse(channel.expires) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const socket = await openSocket(channel.connectUri);
    const id = await createConversation(emulator, token);
    const added = await subscribeTopics(emulator, token, channel.id, [aiResponseTopic(id)]);
    expect(added.status).toBe(200);
    expect(SubscriptionListSchema.parse(added.body)).toEqual({ entities: [{ id: aiResponseTopic(id) }] });
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    for (const raw of socket.json()) {
      const frame = NotificationFrameSchema.parse(raw);
      expect(frame).toMatchObject({ topicName: aiResponseTopic(id), version: '2' });
      expect(frame.metadata?.CorrelationId).toMatch(/.+/);
    }
    const chunks = eventsOf(socket, 'aiResponseChunk');
    expect(chunks.map((c) => c.data.sequence)).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.map((c) => c.data.content).join('')).toBe(emulator.conversation(id)?.text);
    expect(emulator.stats()).toMatchObject({ channelsCreated: 1, socketsOpen: 1, socketsOpened: 1 });
  });

  it('multiplexes many conversations on one channel socket', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const socket = await openSocket(channel.connectUri);
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createConversation(emulator, token, `Q${i}`)),
    );
    await subscribeTopics(emulator, token, channel.id, ids.map(aiResponseTopic));
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 8);
    expect(new Set(eventsOf(socket, 'aiResponseComplete').map((e) => e.data.conversationId))).toEqual(
      new Set(ids),
    );
    for (const id of ids) {
      const text = eventsOf(socket, 'aiResponseChunk')
        .filter((c) => c.data.conversationId === id)
        .map((c) => c.data.content)
        .join('');
      expect(text).toBe(emulator.conversation(id)?.text);
    }
  });

  it('sends a heartbeat every heartbeatIntervalMs and a pong for {"message":"ping"}', async () => {
    const emulator = await start({ heartbeatIntervalMs: 30 });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const socket = await openSocket(channel.connectUri);
    await until(() => socket.frames.length >= 3);
    expect(socket.json().slice(0, 3)).toEqual(
      Array.from({ length: 3 }, () => ({
        topicName: 'channel.metadata',
        eventBody: { message: 'WebSocket Heartbeat' },
      })),
    );
    socket.ws.send(JSON.stringify({ message: 'ping' }));
    await until(() =>
      socket.json().some((f) => (f as { eventBody: { message: string } }).eventBody.message === 'pong'),
    );
    const pong = socket
      .json()
      .find((f) => (f as { eventBody: { message: string } }).eventBody.message === 'pong');
    expect(pong).toEqual({ topicName: 'channel.metadata', eventBody: { message: 'pong' } });
    socket.ws.send('garbage');
    await sleep(40);
    expect(socket.closed).toBe(false);
  });

  it('forceSocketClosing sends v2.system.socket_closing, then closes after the grace', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const socket = await openSocket((await createChannel(emulator, token)).connectUri);
    emulator.forceSocketClosing(50);
    await until(() => topicsOf(socket).includes(SOCKET_CLOSING_TOPIC));
    expect(socket.closed).toBe(false);
    await until(() => socket.closed);
    expect(emulator.stats().injected.socketClosing).toBe(1);
  });

  it('the socketClosingAfterMs fault closes every channel socket that long after it opened', async () => {
    const emulator = await start({ faults: { socketClosingAfterMs: 40 } });
    const token = await login(emulator);
    const began = Date.now();
    const socket = await openSocket((await createChannel(emulator, token)).connectUri);
    await until(() => socket.closed);
    // The server's timers start when it accepts the socket, after \`began\`: 40 ms to socket_closing,
    // then the 100 ms grace (1 ms for clock rounding).
    expect(Date.now() - began).toBeGreaterThanOrEqual(40 + 100 - 1);
    expect(topicsOf(socket)).toContain(SOCKET_CLOSING_TOPIC);
  });

  it('expires a channel after channelLifetimeMs: socket closed, channel gone', async () => {
    const emulator = await start({ channelLifetimeMs: 80 });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const socket = await openSocket(channel.connectUri);
    await until(() => socket.closed);
    expect((await subscribeTopics(emulator, token, channel.id, ['x'])).status).toBe(404);
    expect(await refusedUpgradeStatus(channel.connectUri)).toBe(404);
  });

  it('expireChannels() ends every channel now', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channels = [await createChannel(emulator, token), await createChannel(emulator, token)];
    const sockets = await Promise.all(channels.map((c) => openSocket(c.connectUri)));
    emulator.expireChannels();
    await until(() => sockets.every((s) => s.closed));
    expect((await api(emulator, token, 'GET', channelSubscriptionsPath(channels[0]!.id))).status).toBe(404);
  });

  it('allows 20 channels per client: the 21st removes the oldest and closes its socket', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channels = [];
    for (let i = 0; i < 20; i += 1) channels.push(await createChannel(emulator, token));
    const oldest = await openSocket(channels[0]!.connectUri);
    const second = await openSocket(channels[1]!.connectUri);
    await createChannel(emulator, token);
    await until(() => oldest.closed);
    expect(second.closed).toBe(false);
    expect((await api(emulator, token, 'GET', channelSubscriptionsPath(channels[0]!.id))).status).toBe(404);
    expect((await api(emulator, token, 'GET', channelSubscriptionsPath(channels[1]!.id))).status).toBe(200);
    const listed = (await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).body as {
      entities: unknown[];
    };
    expect(listed.entities).toHaveLength(20);
    expect(emulator.stats().channelsCreated).toBe(21);
  });

  it('counts channels per client: another client does not push out the first one', async () => {
    const scopes = ['notifications'];
    const emulator = await start({
      clients: [
        { clientId: 'a', clientSecret: 'a', scopes },
        { clientId: 'b', clientSecret: 'b', scopes },
      ],
    });
    const a = await login(emulator, 'a', 'a');
    const b = await login(emulator, 'b', 'b');
    const first = await createChannel(emulator, a);
    for (let i = 0; i < 20; i += 1) await createChannel(emulator, b);
    expect((await api(emulator, a, 'GET', channelSubscriptionsPath(first.id))).status).toBe(200);
    // A channel of another client is not found.
    expect((await api(emulator, b, 'GET', channelSubscriptionsPath(first.id))).status).toBe(404);
  });

  it('allows 1 000 topics per channel: the 1 001st answers 400 and changes nothing', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const topics = Array.from({ length: 1000 }, (_, i) => aiResponseTopic(`c${i}`));
    expect((await subscribeTopics(emulator, token, channel.id, topics)).status).toBe(200);
    const over = await subscribeTopics(emulator, token, channel.id, [aiResponseTopic('one-more')]);
    expect(over.status).toBe(400);
    expect(over.body).toMatchObject({ code: 'bad.request', message: expect.stringContaining('1000') });
    const replaceOver = await subscribeTopics(emulator, token, channel.id, [...topics, 'x'], 'PUT');
    expect(replaceOver.status).toBe(400);
    const list = await api(emulator, token, 'GET', channelSubscriptionsPath(channel.id));
    expect((list.body as { entities: unknown[] }).entities).toHaveLength(1000);
  });

  it('PUT replaces, POST adds, DELETE clears the subscriptions', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    await subscribeTopics(emulator, token, channel.id, ['a', 'b']);
    const added = await subscribeTopics(emulator, token, channel.id, ['b', 'c']);
    expect((added.body as { entities: Array<{ id: string }> }).entities.map((e) => e.id)).toEqual([
      'a',
      'b',
      'c',
    ]);
    const replaced = await subscribeTopics(emulator, token, channel.id, ['z'], 'PUT');
    expect(replaced.body).toEqual({ entities: [{ id: 'z' }] });
    const cleared = await api(emulator, token, 'DELETE', channelSubscriptionsPath(channel.id));
    expect(cleared).toMatchObject({ status: 200, body: { entities: [] } });
    const bad = await api(emulator, token, 'POST', channelSubscriptionsPath(channel.id), {
      id: 'not-an-array',
    });
    expect(bad.status).toBe(400);
  });

  it('accepts other topics but sends nothing on them', async () => {
    const emulator = await start({ firstChunkDelayMs: 30 });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const socket = await openSocket(channel.connectUri);
    const id = await createConversation(emulator, token);
    const answer = await subscribeTopics(emulator, token, channel.id, [
      'v2.users.me.presence',
      `v2.conversations.${id}`,
    ]);
    expect(answer.status).toBe(200);
    await until(() => emulator.conversation(id)?.status === 'completed');
    await sleep(20);
    expect(socket.frames).toEqual([]);
  });

  it('stops sending a conversation once its topic is replaced away', async () => {
    // Held until subscribed, and 20 ms chunks (13 or more of them): the topic is replaced long before the end.
    const emulator = await start({
      firstChunkDelayMs: 0,
      chunkIntervalMs: 20,
      holdFirstChunkUntilSubscribed: true,
    });
    const token = await login(emulator);
    const channel = await createChannel(emulator, token);
    const socket = await openSocket(channel.connectUri);
    const id = await createConversation(emulator, token);
    await subscribeTopics(emulator, token, channel.id, [aiResponseTopic(id)]);
    await until(() => eventsOf(socket, 'aiResponseChunk').length >= 1);
    await subscribeTopics(emulator, token, channel.id, [], 'PUT');
    const count = socket.frames.length;
    await sleep(60);
    expect(socket.frames.length).toBeLessThanOrEqual(count + 1);
    expect(eventsOf(socket, 'aiResponseComplete')).toHaveLength(0);
  });
});
