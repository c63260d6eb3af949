import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import http, { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AbortError, ConfigurationError, TimeoutError } from '../../src/errors.js';
import { resolveInjectorConfig } from '../../src/injector-config.js';
import { DEFAULT_MAX_SOCKETS, KeepAliveHttpClient } from '../../src/sdk/keep-alive-http-client.js';
import { TEMPLATE, startKit, type Kit } from '../injector-kit.js';

/** Counts the TCP connections the emulator accepts (HTTP and WebSocket alike). */
function countConnections(port: number): { count(): number; stop(): void } {
  let count = 0;
  const onSocket = (message: unknown): void => {
    if ((message as { socket: Socket }).socket.localPort === port) count += 1;
  };
  subscribe('net.server.socket', onSocket);
  return { count: () => count, stop: () => unsubscribe('net.server.socket', onSocket) };
}

async function connectionsFor(kit: Kit, injections: number): Promise<number> {
  const counter = countConnections(kit.emulator.port);
  try {
    const results = await Promise.all(
      Array.from({ length: injections }, (_, i) =>
        kit.injector.injectPrompt('a1b2c3d4-e5f6-7890-abcd-ef1234567890', TEMPLATE, [], {
          variables: { productType: `plan ${i}` },
        }),
      ),
    );
    for (const result of results) {
      expect(result.response).toBe(kit.emulator.conversation(result.conversationId)?.text);
    }
    // Channel sockets are the stream transport's, not the REST pool's.
    return counter.count() - kit.injector.streamStats().socketsOpened;
  } finally {
    counter.stop();
  }
}

describe('the keep-alive pool of REST calls', () => {
  let kit: Kit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });

  it('opens at most maxSockets connections for 50 concurrent injections', async () => {
    kit = await startKit({}, { maxSockets: 4 });
    const connections = await connectionsFor(kit, 50);
    expect(connections).toBeGreaterThan(0);
    expect(connections).toBeLessThanOrEqual(4);
  });

  it('builds no request past the pool: the others wait for a slot, not in the agent queue', async () => {
    kit = await startKit({}, { maxSockets: 4 });
    let alive = 0;
    let most = 0;
    const request = http.request;
    // Every ClientRequest built (REST calls and socket upgrades), from its creation to its close.
    http.request = ((...args: Parameters<typeof http.request>) => {
      const built = request(...args);
      alive += 1;
      most = Math.max(most, alive);
      built.once('close', () => (alive -= 1));
      return built;
    }) as typeof http.request;
    try {
      await connectionsFor(kit, 50);
    } finally {
      http.request = request;
    }
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4 + kit.injector.streamStats().socketsOpened);
  });

  it('opens more than that when the pool is larger (the bound is what holds it)', async () => {
    kit = await startKit({}, { maxSockets: 50 });
    expect(await connectionsFor(kit, 50)).toBeGreaterThan(4);
  });

  it('defaults to 64 and refuses a size that is not a whole number of 1 or more, naming maxSockets', () => {
    const base = { environment: 'http://127.0.0.1:1', clientId: 'id', clientSecret: 'secret' };
    expect(resolveInjectorConfig(base).maxSockets).toBe(DEFAULT_MAX_SOCKETS);
    expect(DEFAULT_MAX_SOCKETS).toBe(64);
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      let error: unknown;
      try {
        resolveInjectorConfig({ ...base, maxSockets: bad });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).field).toBe('maxSockets');
      expect((error as ConfigurationError).message).toContain('maxSockets');
    }
  });
});

/** Loopback servers the tests below start; each test's are closed after it. */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Starts a loopback server with `handler`; resolves with it and its origin. */
async function loopback(handler: http.RequestListener): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('an aborted request that was already sent', () => {
  it('rejects at once and keeps its connection for the next request once the answer is in', async () => {
    let connections = 0;
    let held: (() => void) | undefined;
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const { server, origin } = await loopback((req, res) => {
      if (req.url !== '/slow') {
        res.end('{"ok":true}');
        return;
      }
      // The slow answer waits until the test has seen the caller's AbortError.
      held = () => res.end('{"late":true}');
      arrived();
    });
    server.on('connection', () => (connections += 1));
    const client = new KeepAliveHttpClient({ maxSockets: 1 });
    try {
      const controller = new AbortController();
      const slow = client.withContext({ signal: controller.signal }, () =>
        client.request({ url: `${origin}/slow`, method: 'GET', timeout: 30_000 }),
      );
      await slowArrived;
      controller.abort();
      await expect(slow).rejects.toBeInstanceOf(AbortError);
      held?.();
      const next = await client.request({ url: `${origin}/fast`, method: 'GET', timeout: 30_000 });
      expect(next.data).toEqual({ ok: true });
      expect(connections).toBe(1);
    } finally {
      client.close();
    }
  });
});

describe('request timeouts', () => {
  it('times out every unanswered request after its own timeout, on one timer for all of them', async () => {
    const { origin } = await loopback(() => undefined); // never answers
    const client = new KeepAliveHttpClient({ maxSockets: 20 });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const started = performance.now();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client
            .withContext({ timeoutMs: 150 }, () =>
              client.request({ url: `${origin}/hang/${i}`, method: 'GET', timeout: 30_000 }),
            )
            .then(
              () => 'answered',
              (error: unknown) => [error, performance.now() - started] as const,
            ),
        ),
      );
      for (const outcome of outcomes) {
        const [error, afterMs] = outcome as readonly [unknown, number];
        expect(error).toBeInstanceOf(TimeoutError);
        expect((error as Error).message).toMatch(/within 150 ms; raise timeoutMs/);
        expect(afterMs).toBeGreaterThanOrEqual(149);
      }
      // The client's own timers for 20 requests: one per due time it had to wait for, not one each.
      const ours = timers.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms >= 100 && ms <= 150);
      expect(ours.length).toBeGreaterThanOrEqual(1);
      expect(ours.length).toBeLessThan(20);
    } finally {
      timers.mockRestore();
      client.close();
    }
  });
});
