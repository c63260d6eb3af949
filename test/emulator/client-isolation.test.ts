import { afterEach, describe, expect, it } from 'vitest';
import {
  DIRECT_SOCKET_PATH,
  NOTIFICATION_CHANNELS_PATH,
  TOKEN_EXPIRED_CLOSE,
  aiResponseTopic,
  channelSubscriptionsPath,
} from '../../src/contract/index.js';
import { ALL_EMULATOR_SCOPES, CONTROL_PATHS, type Emulator } from '../../src/emulator/index.js';
import {
  api,
  control,
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

const CLIENTS = [
  { clientId: 'client-a', clientSecret: 'secret-a', scopes: [...ALL_EMULATOR_SCOPES] },
  { clientId: 'client-b', clientSecret: 'secret-b', scopes: [...ALL_EMULATOR_SCOPES] },
];

async function twoClients(
  options: Parameters<typeof start>[0] = {},
): Promise<{ emulator: Emulator; a: string; b: string }> {
  const emulator = await start({ clients: CLIENTS, chunkIntervalMs: 5, ...options });
  return {
    emulator,
    a: await login(emulator, 'client-a', 'secret-a'),
    b: await login(emulator, 'client-b', 'secret-b'),
  };
}

function directUrl(emulator: Emulator): string {
  return `ws://127.0.0.1:${emulator.port}${DIRECT_SOCKET_PATH}`;
}

describe('emulator: each OAuth client sees only its own conversations', () => {
  it("answers another client's conversation read with 404, exactly like an unknown one", async () => {
    const { emulator, a, b } = await twoClients();
    const id = await createConversation(emulator, a);
    expect((await readConversation(emulator, a, id)).status).toBe(200);
    const foreign = await readConversation(emulator, b, id);
    const unknown = await readConversation(emulator, b, '00000000-0000-0000-0000-000000000000');
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect((foreign.body as { code: string }).code).toBe((unknown.body as { code: string }).code);
  });

  it("refuses a subscription to another client's conversation topic (403) and never sends it its frames", async () => {
    const { emulator, a, b } = await twoClients({ firstChunkDelayMs: 50 });
    const id = await createConversation(emulator, a, 'a long enough question to stream a few chunks');
    const own = (await api(emulator, a, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      id: string;
      connectUri: string;
    };
    const ownSocket = await openSocket(own.connectUri);
    expect(
      (await api(emulator, a, 'PUT', channelSubscriptionsPath(own.id), [{ id: aiResponseTopic(id) }])).status,
    ).toBe(200);
    const channel = (await api(emulator, b, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      id: string;
      connectUri: string;
    };
    const socket = await openSocket(channel.connectUri);
    for (const method of ['POST', 'PUT']) {
      const answer = await api(emulator, b, method, channelSubscriptionsPath(channel.id), [
        { id: aiResponseTopic(id) },
      ]);
      expect(answer.status).toBe(403);
    }
    const listed = await api(emulator, b, 'GET', channelSubscriptionsPath(channel.id));
    expect(listed.body).toEqual({ entities: [] });
    await until(() => eventsOf(ownSocket, 'aiResponseComplete').length === 1);
    expect(eventsOf(ownSocket, 'aiResponseChunk').length).toBeGreaterThan(0);
    await sleep(20);
    expect(eventsOf(socket, 'aiResponseChunk')).toHaveLength(0);
  });

  it("answers a direct-socket subscribe to another client's conversation with not.found and no frames", async () => {
    const { emulator, a, b } = await twoClients({ firstChunkDelayMs: 30 });
    const id = await createConversation(emulator, a, 'a long enough question to stream a few chunks');
    const socket = await openSocket(directUrl(emulator), { Authorization: `Bearer ${b}` });
    socket.ws.send(JSON.stringify({ type: 'subscribe', data: { conversationId: id } }));
    await until(() => eventsOf(socket, 'aiResponseError').length === 1);
    expect(eventsOf(socket, 'aiResponseError')[0]?.data).toMatchObject({
      conversationId: id,
      code: 'not.found',
    });
    await until(() => emulator.conversation(id)?.finishReason !== null);
    await sleep(20);
    expect(socket.json().filter((f) => (f as { type?: string }).type === 'subscribed')).toHaveLength(0);
    expect(eventsOf(socket, 'aiResponseChunk')).toHaveLength(0);
  });
});

describe('emulator: a direct socket lives no longer than its token', () => {
  it('closes the socket with the contract close code when the token expires', async () => {
    const emulator = await start({ tokenLifetimeSeconds: 0.3 });
    const token = await login(emulator);
    const socket = await openSocket(directUrl(emulator), { Authorization: `Bearer ${token}` });
    let reason = '';
    socket.ws.on('close', (_code: number, why: Buffer) => (reason = why.toString()));
    await until(() => socket.closed, 3000);
    expect(socket.closeCode).toBe(TOKEN_EXPIRED_CLOSE.code);
    expect(reason).toBe(TOKEN_EXPIRED_CLOSE.reason);
  });

  it('closes the sockets of revoked tokens (expire-tokens) and accepts no subscribe on them', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    const socket = await openSocket(directUrl(emulator), { Authorization: `Bearer ${token}` });
    expect((await control(emulator, 'POST', CONTROL_PATHS.expireTokens)).status).toBe(200);
    await until(() => socket.closed);
    expect(socket.closeCode).toBe(TOKEN_EXPIRED_CLOSE.code);
    expect(socket.json()).toEqual([]);
    // A fresh token opens a socket that serves the same client's conversation again.
    const fresh = await login(emulator);
    const again = await openSocket(directUrl(emulator), { Authorization: `Bearer ${fresh}` });
    again.ws.send(JSON.stringify({ type: 'subscribe', data: { conversationId: id } }));
    await until(() => again.json().some((f) => (f as { type?: string }).type === 'subscribed'));
  });
});
