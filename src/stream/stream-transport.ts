/**
 * The one interface both socket transports implement, and their names.
 */
import type { ConversationStreamHandle, OpenStreamOptions } from './stream-outcome.js';

/** The socket transports: the Genesys notification service (default) and the original design's direct socket. */
export const STREAM_TRANSPORTS = ['notifications', 'direct'] as const;

/** How answers are streamed back: one of `STREAM_TRANSPORTS`. */
export type StreamTransport = (typeof STREAM_TRANSPORTS)[number];

/** Counters of a transport, for tests and benchmarks. */
export interface StreamTransportStats {
  /** Sockets opened over the transport's life. */
  socketsOpened: number;
  /** Sockets open now. */
  socketsOpen: number;
  /** Notification channels created (0 for the direct transport). */
  channelsCreated: number;
  /** Subscription requests sent (REST for channels; subscribe frames for the direct socket). */
  subscriptionRequests: number;
  /** Reconnects after a drop. */
  reconnects: number;
  /** Streams being answered now. */
  liveStreams: number;
  /**
   * Conversations whose events, come on an assistant topic before their stream opened, were dropped
   * unclaimed (a limit, their age, or never claimed); 0 for the direct transport.
   */
  earlyEventsDropped: number;
}

/** Counters at zero, for a new transport. */
export function emptyTransportStats(): StreamTransportStats {
  return {
    socketsOpened: 0,
    socketsOpen: 0,
    channelsCreated: 0,
    subscriptionRequests: 0,
    reconnects: 0,
    liveStreams: 0,
    earlyEventsDropped: 0,
  };
}

/** Streams AI answers for many conversations (docs/protocol.md, the AI response events). */
export interface ResponseStreamTransport {
  /** `notifications` (the real Genesys channel service, default) or `direct` (the original design's socket). */
  readonly kind: StreamTransport;
  /**
   * Starts streaming one conversation's answer. Call it right after creating the conversation; events
   * sent before the subscription is active are recovered by reading the conversation.
   * @param assistantId the conversation's assistant (for the read of 4.4)
   * @param conversationId the conversation created by 4.3
   * @param options budget, token counter, abort signal
   */
  open(assistantId: string, conversationId: string, options?: OpenStreamOptions): ConversationStreamHandle;
  /**
   * Optional: called before the create of a conversation of `assistantId`, so that the transport can
   * be listening before the answer starts. True (or a promise of true, while the transport gets ready)
   * when it counted the create: the caller then calls `open` with the conversation, or `abandon` when
   * there is none.
   */
  prepare?(assistantId: string, deadlineAt?: number): boolean | Promise<boolean>;
  /** A create `prepare` counted ended without a conversation. */
  abandon?(assistantId: string): void;
  /** Counters so far. */
  stats(): StreamTransportStats;
  /** Ends every stream (they reject with `AbortError`), socket and timer. Idempotent. */
  close(): Promise<void>;
}
