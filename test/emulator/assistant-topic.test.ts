import { afterEach, describe, expect, it } from 'vitest';
import {
  ChannelSchema,
  NOTIFICATION_CHANNELS_PATH,
  assistantResponsesTopic,
  channelSubscriptionsPath,
} from '../../src/contract/index.js';
import { ALL_EMULATOR_SCOPES, type Emulator } from '../../src/emulator/index.js';
import {
  ASSISTANT,
  api,
  createConversation,
  eventsOf,
  login,
  openSocket,
  sleep,
  start,
  stopAll,
  until,
  type CollectingSocket,
} from './emulator-test-kit.js';

afterEach(stopAll);

/** A channel of the token's client with a socket open on it and `topics` subscribed. */
async function subscribedSocket(
  emulator: Emulator,
  token: string,
  topics: string[],
): Promise<{ socket: CollectingSocket; status: number; body: unknown }> {
  const created = await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH);
  const channel = ChannelSchema.parse(created.body);
  const socket = await openSocket(channel.connectUri);
  const answer = await api(
    emulator,
    token,
    'POST',
    channelSubscriptionsPath(channel.id),
    topics.map((id) => ({ id })),
  );
  return { socket, status: answer.status, body: answer.body };
}

describe('emulator: the assistant responses topic (this product contract)', () => {
  it('carries every conversation of the assistant that the subscribing client created, with no per-conversation subscription', async () => {
    const emulator = await start({ firstChunkDelayMs: 5, chunkIntervalMs: 1 });
    const token = await login(emulator);
    const topic = assistantResponsesTopic(ASSISTANT);
    const { socket, status } = await subscribedSocket(emulator, token, [topic]);
    expect(status).toBe(200);
    const ids = [await createConversation(emulator, token), await createConversation(emulator, token)];
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 2);
    for (const id of ids) {
      const chunks = eventsOf(socket, 'aiResponseChunk').filter((e) => e.data.conversationId === id);
      expect(chunks.map((c) => c.data.sequence)).toEqual(chunks.map((_, i) => i + 1));
      expect(chunks.map((c) => c.data.content).join('')).toBe(emulator.conversation(id)?.text);
    }
    for (const frame of socket.json()) {
      const { topicName } = frame as { topicName: string };
      if (topicName !== 'channel.metadata') expect(topicName).toBe(topic);
    }
  });

  it("never carries another OAuth client's conversations", async () => {
    const scopes = [...ALL_EMULATOR_SCOPES];
    const emulator = await start({
      firstChunkDelayMs: 5,
      chunkIntervalMs: 1,
      clients: [
        { clientId: 'a', clientSecret: 'a', scopes },
        { clientId: 'b', clientSecret: 'b', scopes },
      ],
    });
    const a = await login(emulator, 'a', 'a');
    const b = await login(emulator, 'b', 'b');
    const { socket } = await subscribedSocket(emulator, a, [assistantResponsesTopic(ASSISTANT)]);
    const theirs = await createConversation(emulator, b);
    const ours = await createConversation(emulator, a);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    await until(() => emulator.conversation(theirs)?.status === 'completed');
    await sleep(20);
    const seen = new Set(
      socket.json().flatMap((f) => {
        const body = (f as { eventBody?: { data?: { conversationId?: string } } }).eventBody;
        return body?.data?.conversationId === undefined ? [] : [body.data.conversationId];
      }),
    );
    expect([...seen]).toEqual([ours]);
  });

  it('releases a held first chunk once the assistant topic has a socket', async () => {
    const emulator = await start({
      firstChunkDelayMs: 5,
      chunkIntervalMs: 1,
      holdFirstChunkUntilSubscribed: true,
    });
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    await sleep(30);
    expect(emulator.conversation(id)?.status).toBe('queued');
    const { socket } = await subscribedSocket(emulator, token, [assistantResponsesTopic(ASSISTANT)]);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    expect(eventsOf(socket, 'aiResponseChunk')[0]?.data.sequence).toBe(1);
  });

  it('refuses the topic with 400 where it is not served, and for an unknown assistant; the list is unchanged', async () => {
    const off = await start({ assistantResponsesTopic: false });
    const token = await login(off);
    const refused = await subscribedSocket(off, token, [assistantResponsesTopic(ASSISTANT)]);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('invalid.topic');
    const on = await start();
    const other = await subscribedSocket(on, await login(on), [assistantResponsesTopic('no-such-assistant')]);
    expect(other.status).toBe(400);
    expect(JSON.stringify(other.body)).toContain('unknown assistant');
  });
});
