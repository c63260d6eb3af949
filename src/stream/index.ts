/** Streaming of AI answers (docs/protocol.md, the AI response events): both transports, the original design's functions, their parts. */
export type { StreamBackend, Channel, Conversation } from './stream-backend.js';
export {
  parseDirectFrame,
  parseNotificationFrame,
  type RawFrame,
  type DirectFrame,
  type NotificationFrameEvent,
} from './frame-parser.js';
export {
  ResponseAccumulator,
  type ResponseAccumulatorOptions,
  type TokenCounter,
  type AppliedChunk,
} from './response-accumulator.js';
export { reconnectDelayMs, type ReconnectBackoffOptions } from './reconnect-backoff.js';
export { HeartbeatWatchdog, type HeartbeatWatchdogOptions } from './heartbeat-watchdog.js';
export type {
  StreamChunk,
  StreamOutcome,
  StreamFinishReason,
  OpenStreamOptions,
  ConversationStreamHandle,
} from './stream-outcome.js';
export { ConversationStream, type ConversationStreamHooks } from './conversation-stream.js';
export type { ResponseStreamTransport, StreamTransportStats } from './stream-transport.js';
export { directSocketUrl, directSubscription, openDirectSocket } from './direct-socket.js';
export { handleStreamEvents, type HandleStreamEventsOptions } from './handle-stream-events.js';
export { DirectStreamTransport, type DirectStreamTransportOptions } from './direct-transport.js';
export {
  NotificationStreamTransport,
  type NotificationStreamTransportOptions,
} from './notification-transport.js';
