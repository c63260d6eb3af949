/**
 * The original design's `connectToAiStream`, fixed: the bearer token goes on the upgrade and the URL comes from
 * the resolved environment (`GENESYS_ENVIRONMENT` when the config names none). A wrapper over the
 * direct socket the transports use.
 */
import WebSocket from 'ws';
import { resolveEnvironment } from './environment/resolve-environment.js';
import { DEFAULT_RESPONSE_LIMITS } from './limits.js';
import { directSocketUrl, directSubscription } from './stream/direct-socket.js';

/** Where and as whom to connect. */
export interface AiStreamConfig {
  /** ws(s) origin, e.g. `ws://127.0.0.1:8787`; wins over `environment`. */
  socketBaseUrl?: string;
  /** Region, domain or base URL, as `GENESYS_ENVIRONMENT` (the original design's field). */
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

/**
 * Opens the direct socket and subscribes to one conversation once it is open (the original design's function).
 * Attach an `error` listener (`handleStreamEvents` does) before the event loop turns.
 * @param config origin or environment, token, conversation
 */
export function connectToAiStream(config: AiStreamConfig): WebSocket {
  const origin =
    config.socketBaseUrl ??
    resolveEnvironment(config.environment ?? process.env.GENESYS_ENVIRONMENT ?? '').socketBaseUrl;
  const ws = new WebSocket(directSocketUrl(origin), {
    headers: { Authorization: `Bearer ${config.accessToken}` },
    handshakeTimeout: config.handshakeTimeoutMs ?? 10_000,
    maxPayload: config.maxFrameBytes ?? DEFAULT_RESPONSE_LIMITS.maxFrameBytes,
  });
  ws.on('open', () => ws.send(directSubscription('subscribe', config.conversationId)));
  return ws;
}
