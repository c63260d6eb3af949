import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DIRECT_SOCKET_PATH,
  NOTIFICATION_CHANNELS_PATH,
  aiResponseTopic,
  channelSubscriptionsPath,
} from '../../src/contract/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import {
  api,
  createConversation,
  eventsOf,
  login,
  openSocket,
  start,
  stopAll,
  until,
} from './emulator-test-kit.js';

afterEach(stopAll);

/** Handles of the kinds a server leaks: listening sockets, connections, timers. */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, Timeout: 0 };
  for (const kind of process.getActiveResourcesInfo())
    if (kind in counts) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function noMoreThan(now: Record<string, number>, baseline: Record<string, number>): boolean {
  return Object.entries(now).every(([kind, count]) => count <= (baseline[kind] ?? 0));
}

/** A GET with no keep-alive, resolving with the status or the error code. */
function rawGet(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

describe('emulator lifecycle', () => {
  it('close() ends every socket, timer and the server, leaving no handle behind, and is idempotent', async () => {
    const baseline = handleCounts();
    const emulator = await startEmulator({
      heartbeatIntervalMs: 20,
      firstChunkDelayMs: 0,
      chunkIntervalMs: 50,
      rateLimit: false,
      faults: { socketClosingAfterMs: 60_000 },
    });
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      id: string;
      connectUri: string;
    };
    const channelSocket = await openSocket(channel.connectUri);
    const direct = await openSocket(`ws://127.0.0.1:${emulator.port}${DIRECT_SOCKET_PATH}`, {
      Authorization: `Bearer ${token}`,
    });
    const id = await createConversation(emulator, token);
    await api(emulator, token, 'POST', channelSubscriptionsPath(channel.id), [{ id: aiResponseTopic(id) }]);
    direct.ws.send(JSON.stringify({ type: 'subscribe', data: { conversationId: id } }));
    await until(() => eventsOf(channelSocket, 'aiResponseChunk').length > 0);
    emulator.setFaults({ latencyMs: 10_000 });
    const pending = rawGet(`${emulator.baseUrl}${NOTIFICATION_CHANNELS_PATH}`, {
      Authorization: `Bearer ${token}`,
    });
    await until(() => emulator.stats().injected.latency === 1);

    const first = emulator.close();
    const second = emulator.close();
    await Promise.all([first, second]);
    expect(await pending).toMatch(/ECONNRESET|socket hang up|error/);
    await until(() => channelSocket.closed && direct.closed);
    await until(() => noMoreThan(handleCounts(), baseline), 3000);
    expect(noMoreThan(handleCounts(), baseline)).toBe(true);
    await emulator.close();
  });

  it('frees its port on close', async () => {
    const emulator = await startEmulator();
    const { port } = emulator;
    await emulator.close();
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  it('rejects a port in use', async () => {
    const emulator = await start();
    await expect(startEmulator({ port: emulator.port })).rejects.toThrow(/EADDRINUSE/);
  });

  it('survives garbage on the wire and keeps serving', async () => {
    const emulator = await start();
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (data) => (text += data.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    const upgrade = await new Promise<string>((resolve) => {
      const socket = connect(emulator.port, '127.0.0.1', () =>
        socket.write(
          'GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        ),
      );
      let text = '';
      socket.on('data', (data) => (text += data.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(upgrade).toMatch(/^HTTP\/1\.1 404/);
    expect((await api(emulator, await login(emulator), 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('streams 600 overlapping conversations over one channel socket: in order, no gap, exact text', async () => {
    const emulator = await start({ chunkIntervalMs: 5, holdFirstChunkUntilSubscribed: true });
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      id: string;
      connectUri: string;
    };
    const socket = await openSocket(channel.connectUri);
    const streamed = new Map<string, { first: number; last: number; text: string }>();
    let completed = 0;
    let outOfOrder = 0;
    socket.ws.on('message', (data: Buffer) => {
      const { eventBody: event } = JSON.parse(data.toString('utf8')) as {
        eventBody: { type: string; data: { conversationId: string; sequence: number; content: string } };
      };
      if (event.type === 'aiResponseComplete') completed += 1;
      if (event.type !== 'aiResponseChunk') return;
      const { conversationId, sequence, content } = event.data;
      const seen = streamed.get(conversationId);
      if (seen === undefined)
        streamed.set(conversationId, { first: sequence, last: sequence, text: content });
      else {
        if (sequence !== seen.last + 1) outOfOrder += 1;
        seen.last = sequence;
        seen.text += content;
      }
    });
    const ids: string[] = [];
    // Every 10 creates are subscribed at once; each conversation is held until its topic is.
    await Promise.all(
      Array.from({ length: 20 }, async (_, worker) => {
        for (let batch = 0; batch < 3; batch += 1) {
          const created: string[] = [];
          for (let i = 0; i < 10; i += 1) {
            created.push(await createConversation(emulator, token, `Order ${worker}-${batch}-${i}`));
          }
          ids.push(...created);
          const topics = created.map((id) => ({ id: aiResponseTopic(id) }));
          expect(
            (await api(emulator, token, 'POST', channelSubscriptionsPath(channel.id), topics)).status,
          ).toBe(200);
        }
      }),
    );
    await until(() => completed === 600, 100_000);
    expect(outOfOrder).toBe(0);
    expect(ids).toHaveLength(600);
    for (const id of ids) {
      expect(streamed.get(id)).toMatchObject({ first: 1, text: emulator.conversation(id)?.text });
    }
    expect(emulator.stats()).toMatchObject({ conversationsCreated: 600, socketsOpen: 1 });
  }, 120_000);

  it('closes an idle keep-alive connection after keepAliveTimeoutMs, and not before', async () => {
    const emulator = await start({ keepAliveTimeoutMs: 300 });
    const { port } = new URL(emulator.baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    let closedAt: number | undefined;
    socket.on('close', () => {
      closedAt = performance.now();
    });
    socket.on('data', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /__nothing HTTP/1.1\r\nHost: emulator\r\nConnection: keep-alive\r\n\r\n');
    const answeredAt = await new Promise<number>((resolve) =>
      socket.once('data', () => resolve(performance.now())),
    );
    await until(() => closedAt !== undefined, 3_000);
    // Node closes an idle connection at the timeout, checked by a timer that may fire up to a tick late.
    expect((closedAt ?? 0) - answeredAt).toBeGreaterThanOrEqual(250);
    socket.destroy();
  });
});
