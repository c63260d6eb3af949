/**
 * The default backend: answers streamed over the Genesys notification service's shared channels.
 */
import { NotificationStreamTransport } from './notification-transport.js';
import { pollingBackend } from './polling-backend.js';
import type { ResponseBackendFactory } from './response-backend.js';
import { socketBackend } from './socket-backend.js';

/** `backend: 'notifications'` (with `stream: false`, polling). */
export const notificationsBackend: ResponseBackendFactory = {
  name: 'notifications',
  whenNotStreaming: pollingBackend.name,
  create: ({ conversations, logger, tuning, limits }) =>
    socketBackend(
      conversations,
      new NotificationStreamTransport({
        backend: conversations,
        logger,
        limits,
        ...(tuning.backoff === undefined ? {} : { backoff: tuning.backoff }),
        ...(tuning.idleReadMs === undefined ? {} : { idleReadMs: tuning.idleReadMs }),
        ...(tuning.heartbeatIntervalMs === undefined
          ? {}
          : { heartbeatIntervalMs: tuning.heartbeatIntervalMs }),
        ...(tuning.assistantTopic === undefined ? {} : { assistantTopic: tuning.assistantTopic }),
        ...(tuning.subscribeCoalesceMs === undefined
          ? {}
          : { subscribeCoalesceMs: tuning.subscribeCoalesceMs }),
      }),
    ),
};
