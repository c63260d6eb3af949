import { afterEach, describe, expect, it } from 'vitest';
import {
  DIRECT_SOCKET_PATH,
  DirectServerMessageSchema,
  SCOPE_ASSISTANT_READ,
  SCOPE_ASSISTANT_WRITE,
} from '../../src/contract/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import {
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

const directUrl = (emulator: Emulator): string => `ws://127.0.0.1:${emulator.port}${DIRECT_SOCKET_PATH}`;

async function openDirect(emulator: Emulator, token: string): Promise<CollectingSocket> {
  return openSocket(directUrl(emulator), { Authorization: `Bearer ${token}` });
}

function subscribe(socket: CollectingSocket, conversationId: string, type = 'subscribe'): void {
  socket.ws.send(JSON.stringify({ type, data: { conversationId } }));
}

describe('emulator direct socket (the seed transport)', () => {
  it('refuses the upgrade with 401 without a valid bearer token', async () => {
    const emulator = await start();
    expect(await refusedUpgradeStatus(directUrl(emulator))).toBe(401);
    expect(await refusedUpgradeStatus(directUrl(emulator), { Authorization: 'Bearer nope' })).toBe(401);
    const token = await login(emulator);
    emulator.expireTokens();
    expect(await refusedUpgradeStatus(directUrl(emulator), { Authorization: `Bearer ${token}` })).toBe(401);
  });

  it('answers subscribe with subscribed, then streams chunks in order and the complete event', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const socket = await openDirect(emulator, token);
    const id = await createConversation(emulator, token);
    subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    const messages = socket.json().map((m) => DirectServerMessageSchema.parse(m));
    expect(messages[0]).toEqual({ type: 'subscribed', data: { conversationId: id } });
    const chunks = eventsOf(socket, 'aiResponseChunk');
    expect(chunks.map((c) => c.data.sequence)).toEqual(chunks.map((_, i) => i + 1));
    expect(chunks.map((c) => c.data.content).join('')).toBe(emulator.conversation(id)?.text);
    expect(eventsOf(socket, 'aiResponseComplete')[0]?.data).toMatchObject({
      conversationId: id,
      finishReason: 'stop',
      safetyPolicyTriggered: false,
      usage: { completionTokens: emulator.conversation(id)?.completionTokens },
    });
  });

  it('carries several subscriptions on one socket', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const socket = await openDirect(emulator, token);
    const ids = await Promise.all([1, 2, 3].map((n) => createConversation(emulator, token, `Question ${n}`)));
    for (const id of ids) subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 3);
    for (const id of ids) {
      const text = eventsOf(socket, 'aiResponseChunk')
        .filter((c) => c.data.conversationId === id)
        .map((c) => c.data.content)
        .join('');
      expect(text).toBe(emulator.conversation(id)?.text);
    }
    expect(emulator.stats().socketsOpen).toBe(1);
  });

  it('gives a late subscriber of a completed conversation just subscribed and the complete event', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    await until(() => emulator.conversation(id)?.status === 'completed');
    const socket = await openDirect(emulator, token);
    subscribe(socket, id);
    await until(() => socket.frames.length === 2);
    await sleep(20);
    expect(socket.json().map((m) => (m as { type: string }).type)).toEqual([
      'subscribed',
      'aiResponseComplete',
    ]);
  });

  it('streams live events only from the subscription on (no replay)', async () => {
    const emulator = await start({ firstChunkDelayMs: 0, chunkIntervalMs: 15 });
    const token = await login(emulator);
    const id = await createConversation(emulator, token);
    await sleep(60);
    const socket = await openDirect(emulator, token);
    subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1, 10_000);
    const first = eventsOf(socket, 'aiResponseChunk')[0]?.data.sequence as number;
    expect(first).toBeGreaterThan(1);
  });

  it('stops sending a conversation after unsubscribe', async () => {
    const emulator = await start({
      firstChunkDelayMs: 0,
      chunkIntervalMs: 20,
      holdFirstChunkUntilSubscribed: true,
    });
    const token = await login(emulator);
    const socket = await openDirect(emulator, token);
    const id = await createConversation(emulator, token);
    subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseChunk').length >= 2);
    subscribe(socket, id, 'unsubscribe');
    await sleep(30);
    const count = socket.frames.length;
    await sleep(60);
    expect(socket.frames.length).toBe(count);
    expect(eventsOf(socket, 'aiResponseComplete')).toHaveLength(0);
  });

  it('answers an unknown conversation or a token without the read scope with aiResponseError', async () => {
    const emulator = await start({
      clients: [
        { clientId: 'writer', clientSecret: 'w', scopes: [SCOPE_ASSISTANT_WRITE] },
        { clientId: 'reader', clientSecret: 'r', scopes: [SCOPE_ASSISTANT_READ] },
      ],
    });
    const writer = await login(emulator, 'writer', 'w');
    const reader = await login(emulator, 'reader', 'r');
    const id = await createConversation(emulator, writer);
    const noScope = await openDirect(emulator, writer);
    subscribe(noScope, id);
    const unknown = await openDirect(emulator, reader);
    subscribe(unknown, 'does-not-exist');
    await until(() => noScope.frames.length === 1 && unknown.frames.length === 1);
    expect(eventsOf(noScope, 'aiResponseError')[0]?.data).toMatchObject({
      code: 'missing.any.permissions',
      message: expect.stringContaining(SCOPE_ASSISTANT_READ),
    });
    expect(eventsOf(unknown, 'aiResponseError')[0]?.data).toMatchObject({ code: 'not.found' });
  });

  it('ignores garbage messages and keeps serving', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const socket = await openDirect(emulator, token);
    socket.ws.send('not json');
    socket.ws.send('{"type":"subscribe"}');
    socket.ws.send(Buffer.from([1, 2, 3]));
    const id = await createConversation(emulator, token);
    subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);
    expect(socket.closed).toBe(false);
  });

  it('sends aiResponseError when a conversation fails', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const socket = await openDirect(emulator, token);
    const id = await createConversation(emulator, token, 'Fail please [[emulator:fail]]');
    subscribe(socket, id);
    await until(() => eventsOf(socket, 'aiResponseError').length === 1);
    expect(eventsOf(socket, 'aiResponseError')[0]?.data).toMatchObject({
      conversationId: id,
      code: 'generation.failed',
    });
    expect(emulator.conversation(id)?.status).toBe('failed');
  });
});
