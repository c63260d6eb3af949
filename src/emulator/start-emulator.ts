/**
 * Starts an emulator: one HTTP server on one origin serving login, REST and both socket transports.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { EmulatorCore } from './emulator-core.js';
import {
  resolveEmulatorOptions,
  type Emulator,
  type EmulatorConversationView,
  type EmulatorOptions,
} from './emulator-options.js';
import { isWildcardBind } from './host-allowlist.js';
import { createHttpHandler } from './http-handler.js';
import { createUpgradeHandler } from './upgrade-handler.js';

/** Largest message a client may send on a socket (subscribe and ping messages are tiny). */
const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

/**
 * Starts a local Genesys Cloud emulator (its specification: docs/protocol.md and the README).
 * @param options port, clients, assistants, timing, rate limit and faults; all optional
 * @returns the running emulator: its base URL, the first client's credentials, controls and `close()`
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveEmulatorOptions(options);
  const core = new EmulatorCore(resolved);
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
  });
  const server: Server = createServer(
    { keepAliveTimeout: resolved.keepAliveTimeoutMs },
    createHttpHandler(core),
  );
  server.on('upgrade', createUpgradeHandler(core, wss));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await core.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  // A wildcard address is where to listen, not where to connect: hand out the loopback one.
  const reachable = isWildcardBind(resolved.host)
    ? resolved.host.includes(':')
      ? '::1'
      : '127.0.0.1'
    : resolved.host;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  core.socketOrigin = `ws://${host}:${port}`;
  const firstClient = resolved.clients[0];

  let closing: Promise<void> | undefined;
  return {
    baseUrl: `http://${host}:${port}`,
    listenHost: resolved.host,
    controlToken: resolved.controlToken,
    clientId: firstClient?.clientId ?? '',
    clientSecret: firstClient?.clientSecret ?? '',
    port,
    stats: () => core.stats(),
    setFaults: (faults) => core.setFaults(faults),
    forceSocketClosing: (graceMs = 100) => core.channels.forceSocketClosing(graceMs),
    expireChannels: () => core.channels.expireAll(),
    expireTokens: () => core.expireTokens(),
    conversation: (id): EmulatorConversationView | undefined => {
      const record = core.engine.get(id);
      if (record === undefined) return undefined;
      return {
        text: record.text,
        finishReason: record.status === 'completed' ? record.finishReason : null,
        status: record.status,
        promptTokens: record.promptTokens,
        completionTokens: record.completionTokens,
      };
    },
    guideSession: (guideId, guideSessionId) => core.guides.sessions.session(guideId, guideSessionId),
    close: () => {
      closing ??= (async () => {
        const socketsClosed = core.close();
        wss.close();
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([socketsClosed, serverClosed]);
        // Let the handles of the closed sockets and server be released before reporting closed.
        await new Promise<void>((resolve) => setImmediate(resolve));
      })();
      return closing;
    },
  };
}
