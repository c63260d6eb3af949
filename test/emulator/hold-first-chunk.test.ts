import { afterEach, describe, expect, it } from 'vitest';
import {
  DIRECT_SOCKET_PATH,
  NOTIFICATION_CHANNELS_PATH,
  aiResponseTopic,
  channelSubscriptionsPath,
  type Channel,
} from '../../src/contract/index.js';
import {
  api,
  createConversation,
  eventsOf,
  login,
  openSocket,
  readConversation,
  sleep,
  start,
  stopAll,
  until,
} from './emulator-test-kit.js';

afterEach(stopAll);

// Waiting proves nothing moved: the emulator's shared tick (every 2 ms here) fires many times during it.
const SEVERAL_TICKS_MS = 40;

describe('emulator option holdFirstChunkUntilSubscribed', () => {
  it('holds a conversation queued until a direct socket subscribes, then streams it from chunk 1', async () => {
    const emulator = await start({ firstChunkDelayMs: 0, holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    await sleep(SEVERAL_TICKS_MS);
    expect(emulator.stats().chunksSent).toBe(0);
    expect((await readConversation(emulator, token, id)).body).toMatchObject({
      status: 'queued',
      response: { text: '', sequence: 0 },
    });
    const socket = await openSocket(`ws://127.0.0.1:${emulator.port}${DIRECT_SOCKET_PATH}`, {
      Authorization: `Bearer ${token}`,
    });
    socket.ws.send(JSON.stringify({ type: 'subscribe', data: { conversationId: id } }));
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    const chunks = eventsOf(socket, 'aiResponseChunk');
    expect(chunks.map((c) => c.data.sequence)).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.map((c) => c.data.content).join('')).toBe(emulator.conversation(id)?.text);
  });

  it('counts a channel subscription only once the channel has a socket open', async () => {
    const emulator = await start({ firstChunkDelayMs: 0, holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as Channel;
    const id = await createConversation(emulator, token);
    await api(emulator, token, 'POST', channelSubscriptionsPath(channel.id), [{ id: aiResponseTopic(id) }]);
    await sleep(SEVERAL_TICKS_MS);
    expect(emulator.conversation(id)?.status).toBe('queued');
    const socket = await openSocket(channel.connectUri);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    expect(
      eventsOf(socket, 'aiResponseChunk')
        .map((c) => c.data.content)
        .join(''),
    ).toBe(emulator.conversation(id)?.text);
  });

  it('holds each conversation on its own: a subscribed one streams while another waits', async () => {
    const emulator = await start({ firstChunkDelayMs: 0, holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as Channel;
    const socket = await openSocket(channel.connectUri);
    const watched = await createConversation(emulator, token, 'Watched');
    const unwatched = await createConversation(emulator, token, 'Unwatched');
    await api(emulator, token, 'POST', channelSubscriptionsPath(channel.id), [
      { id: aiResponseTopic(watched) },
    ]);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    expect(emulator.conversation(unwatched)?.status).toBe('queued');
  });

  it('is off by default: a conversation nobody subscribed to streams and completes', async () => {
    const emulator = await start({ firstChunkDelayMs: 0 });
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    await until(() => emulator.conversation(id)?.status === 'completed');
    expect(emulator.stats().chunksSent).toBeGreaterThan(0);
  });
});
