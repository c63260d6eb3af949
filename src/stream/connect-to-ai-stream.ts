/**
 * The seed's direct socket (`ws(s)://{api origin}/api/v2/conversations`), fixed: the bearer token goes
 * on the upgrade, the URL comes from the resolved environment, and a refused upgrade is reported with
 * its status so a 401 can be answered with a fresh token.
 */
import WebSocket from 'ws';
import { resolveEnvironment } from '../environment/resolve-environment.js';
import { DIRECT_SOCKET_PATH, type DirectSubscribe } from '../contract/stream-events.js';
import { AuthenticationError, ConnectionError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS } from '../limits.js';

/** Where and as whom to connect. */
export interface AiStreamConfig {
  /** ws(s) origin, e.g. `ws://127.0.0.1:8787`; wins over `environment`. */
  socketBaseUrl?: string;
  /** Region, domain or base URL, as `GENESYS_ENVIRONMENT` (the seed's field). */
  environment?: string;
  /** Bearer token for the upgrade. Never logged. */
  accessToken: string;
  /** Conversation to subscribe to once open. */
  conversationId: string;
  /** Abort the opening handshake after this many ms (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Largest frame accepted (ws `maxPayload`, default `limits.maxFrameBytes`, 1 MiB). */
  maxFrameBytes?: number;
}

/** The URL of the direct socket for an origin or environment. */
export function directSocketUrl(config: Pick<AiStreamConfig, 'socketBaseUrl' | 'environment'>): string {
  const origin =
    config.socketBaseUrl ??
    resolveEnvironment(config.environment ?? process.env.GENESYS_ENVIRONMENT ?? '').socketBaseUrl;
  return `${origin.replace(/\/+$/, '')}${DIRECT_SOCKET_PATH}`;
}

/** The subscribe (or unsubscribe) message of the direct socket. */
export function directSubscription(type: DirectSubscribe['type'], conversationId: string): string {
  const message: DirectSubscribe = { type, data: { conversationId } };
  return JSON.stringify(message);
}

/**
 * Opens the direct socket and subscribes to one conversation once it is open (the seed's function).
 * Attach an `error` listener (`handleStreamEvents` does) before the event loop turns.
 * @param config origin or environment, token, conversation
 */
export function connectToAiStream(config: AiStreamConfig): WebSocket {
  const ws = new WebSocket(directSocketUrl(config), {
    headers: { Authorization: `Bearer ${config.accessToken}` },
    handshakeTimeout: config.handshakeTimeoutMs ?? 10_000,
    maxPayload: config.maxFrameBytes ?? DEFAULT_RESPONSE_LIMITS.maxFrameBytes,
  });
  ws.on('open', () => ws.send(directSubscription('subscribe', config.conversationId)));
  return ws;
}

/**
 * Opens a direct socket and resolves once it is open.
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
