/**
 * The direct socket (`ws(s)://{api origin}/api/v2/conversations`): its URL, its subscribe message, and
 * opening it with the bearer token on the upgrade — a refused upgrade reported with its status, so a
 * 401 can be answered with a fresh token. The direct transport and the original design's `connectToAiStream` both
 * open it through here.
 */
import WebSocket from 'ws';
import { DIRECT_SOCKET_PATH, type DirectSubscribe } from '../contract/stream-events.js';
import { AuthenticationError, ConnectionError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS } from '../limits.js';

/**
 * The URL of the direct socket.
 * @param socketBaseUrl the ws(s) origin, e.g. `ws://127.0.0.1:8787`
 */
export function directSocketUrl(socketBaseUrl: string): string {
  return `${socketBaseUrl.replace(/\/+$/, '')}${DIRECT_SOCKET_PATH}`;
}

/** The subscribe (or unsubscribe) message of the direct socket. */
export function directSubscription(type: DirectSubscribe['type'], conversationId: string): string {
  const message: DirectSubscribe = { type, data: { conversationId } };
  return JSON.stringify(message);
}

/**
 * Opens a direct socket and resolves once it is open.
 * @param url from `directSocketUrl`
 * @param accessToken the bearer token of the upgrade (never logged)
 * @param handshakeTimeoutMs abort the opening handshake after this long
 * @param maxFrameBytes largest frame accepted (ws `maxPayload`)
 * @throws AuthenticationError when the upgrade is refused with 401 (the token is stale)
 * @throws ConnectionError for any other failure
 */
export function openDirectSocket(
  url: string,
  accessToken: string,
  handshakeTimeoutMs = 10_000,
  maxFrameBytes = DEFAULT_RESPONSE_LIMITS.maxFrameBytes,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { Authorization: `Bearer ${accessToken}` },
      handshakeTimeout: handshakeTimeoutMs,
      maxPayload: maxFrameBytes,
    });
    let refusedWith: number | undefined;
    ws.once('unexpected-response', (_request, response) => {
      refusedWith = response.statusCode;
      response.resume();
      ws.terminate();
    });
    const onError = (error: Error): void => {
      ws.off('open', onOpen);
      reject(
        refusedWith === 401
          ? new AuthenticationError('the stream socket refused the access token (401)', { status: 401 })
          : new ConnectionError(
              `could not open the stream socket ${url}${refusedWith ? ` (HTTP ${refusedWith})` : ''}: ${error.message}`,
              { cause: error },
            ),
      );
    };
    const onOpen = (): void => {
      ws.off('error', onError);
      resolve(ws);
    };
    ws.once('error', onError);
    ws.once('open', onOpen);
  });
}
