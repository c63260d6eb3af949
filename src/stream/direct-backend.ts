/**
 * The original design's design, made reliable: answers streamed over one shared direct socket.
 */
import { DirectStreamTransport } from './direct-transport.js';
import { pollingBackend } from './polling-backend.js';
import type { ResponseBackendFactory } from './response-backend.js';
import { socketBackend } from './socket-backend.js';

/** `backend: 'direct'` (with `stream: false`, polling). */
export const directBackend: ResponseBackendFactory = {
  name: 'direct',
  whenNotStreaming: pollingBackend.name,
  create: ({ conversations, logger, tuning, limits }) =>
    socketBackend(
      conversations,
      new DirectStreamTransport({
        backend: conversations,
        logger,
        limits,
        ...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
        ...(tuning.idleReadMs === undefined ? {} : { idleReadMs: tuning.idleReadMs }),
        ...(tuning.pingIntervalMs === undefined ? {} : { pingIntervalMs: tuning.pingIntervalMs }),
      }),
    ),
};
