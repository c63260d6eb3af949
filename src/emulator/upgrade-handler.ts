/**
 * WebSocket upgrades: the direct socket at `DIRECT_SOCKET_PATH` (bearer token required, 401 refuses)
 * and channel sockets at `/channels/{id}` (no auth, as on Genesys; 404 for an unknown channel).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { CORRELATION_HEADER, type ErrorBody } from '../contract/errors.js';
import { DIRECT_SOCKET_PATH } from '../contract/stream-events.js';
import type { EmulatorCore } from './emulator-core.js';
import { ERROR_CODES } from './http-replies.js';

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  503: 'Service Unavailable',
};

/** Creates the `upgrade` listener of an emulator's HTTP server. */
export function createUpgradeHandler(
  core: EmulatorCore,
  wss: WebSocketServer,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (core.closed) {
      refuse(socket, 503, ERROR_CODES.unavailable, 'The emulator is closing.');
      return;
    }
    const url = req.url ?? '/';
    const pathname = url.split('?')[0] ?? '/';
    if (pathname === DIRECT_SOCKET_PATH) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      const token = match?.[1] === undefined ? undefined : core.tokens.lookup(match[1]);
      if (token === undefined) {
        refuse(
          socket,
          401,
          ERROR_CODES.badCredentials,
          'A valid bearer token is required to open this socket.',
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        accept(core, ws);
        core.direct.attach(ws, token);
      });
      return;
    }
    const channelMatch = /^\/channels\/([^/]+)$/.exec(pathname);
    const channel = channelMatch?.[1] === undefined ? undefined : core.channels.get(channelMatch[1]);
    if (channel === undefined) {
      refuse(socket, 404, ERROR_CODES.notFound, `No socket at ${pathname}: unknown or expired channel.`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      accept(core, ws);
      // The channel may have expired or been removed while the handshake was written.
      if (core.channels.get(channel.id) === channel) core.channels.attach(channel, ws);
      else ws.close(1000, 'channel expired');
    });
  };
}

function accept(core: EmulatorCore, ws: WebSocket): void {
  // Without an 'error' listener a bad frame from a client would crash the process.
  ws.on('error', () => ws.terminate());
  core.sockets.track(ws);
}

function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const correlationId = randomUUID();
  const body: ErrorBody = { message, code, status, contextId: correlationId, details: [], errors: [] };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      `${CORRELATION_HEADER}: ${correlationId}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}
