/**
 * The default transport: the Genesys notification service (docs/protocol.md, the AI response events). Conversations share
 * channels — a channel takes up to 1,000 topics, a new one is opened only past that, and at most 19
 * are used so that replacing one (socket_closing, expiry) never needs a 21st.
 *
 * Requests: before its first create for an assistant, the transport subscribes that assistant's
 * responses topic once, on one channel (`prepare`); every conversation of that assistant then streams
 * with no request of its own, and its first chunk cannot come before the subscription. Where the
 * server refuses that topic, each conversation subscribes its own topic: a subscription goes out at
 * once when its channel is idle, and while one is in flight the next ones queue into the following
 * request. A finished conversation's topic is not unsubscribed (no request); it lapses on the
 * channel, and when the channel's list would pass 1,000 the next subscription request is a PUT of the
 * live topics only, which prunes the lapsed ones in the same request.
 *
 * This file is the pool: it places each stream on a channel with room. Each channel, with its socket,
 * subscriptions, work queue and timers, is a `ChannelGroup`.
 */
import { MAX_CHANNELS_PER_CLIENT, MAX_TOPICS_PER_CHANNEL } from '../contract/notifications.js';
import { AbortError, StreamError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from '../limits.js';
import { silentLogger, type Logger } from '../logger.js';
import { ChannelGroup, type ChannelGroupContext } from './channel-group.js';
import { ConversationStream, type ConversationStreamHooks } from './conversation-stream.js';
import { transportStreamHooks } from './transport-stream-hooks.js';
import type { ReconnectBackoffOptions } from './reconnect-backoff.js';
import type { StreamBackend } from './stream-backend.js';
import type { ConversationStreamHandle, OpenStreamOptions } from './stream-outcome.js';
import {
  emptyTransportStats,
  type ResponseStreamTransport,
  type StreamTransportStats,
} from './stream-transport.js';

/** Options of `NotificationStreamTransport`. */
export interface NotificationStreamTransportOptions {
  backend: StreamBackend;
  /** The service's heartbeat interval (default 30 000); 2.5 of them without a frame is a drop. */
  heartbeatIntervalMs?: number;
  /** Reconnect backoff (default base 1 s, cap 30 s). */
  backoff?: ReconnectBackoffOptions;
  /** Failed attempts in a row before the channel's streams fail (default 8). */
  maxConnectAttempts?: number;
  /** Under load, wait this many ms more to batch conversation subscriptions (default 0). */
  subscribeCoalesceMs?: number;
  /**
   * Subscribe each assistant's responses topic before its first create (default true; docs/protocol.md).
   * False: one conversation topic per conversation, one subscription request per idle moment.
   */
  assistantTopic?: boolean;
  /** Replace a channel this long before it expires (default 60 000, at most a tenth of its lifetime). */
  renewBeforeExpiryMs?: number;
  /** Quiet time before a doubtful stream reads its conversation (default 1000). */
  idleReadMs?: number;
  /** Opening handshake timeout (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Topics per channel (default and maximum 1,000); smaller in tests of the pool. */
  maxTopicsPerChannel?: number;
  /** Sizes accepted from the server: socket frames, answer text, chunks held across a gap (default `DEFAULT_RESPONSE_LIMITS`). */
  limits?: Pick<
    ResponseLimits,
    | 'maxFrameBytes'
    | 'maxAnswerChars'
    | 'maxPendingChunks'
    | 'maxEarlyConversations'
    | 'maxEarlyEventBytes'
    | 'maxEarlyEventAgeMs'
  >;
  logger?: Logger;
}

/** Many conversations on a few notification channels: the pool of `ChannelGroup`s. */
export class NotificationStreamTransport implements ResponseStreamTransport {
  readonly kind = 'notifications' as const;
  readonly #options: NotificationStreamTransportOptions;
  readonly #groups: ChannelGroup[] = [];
  readonly #groupOf = new Map<string, ChannelGroup>();
  readonly #lifetime = new AbortController();
  readonly #maxTopics: number;
  readonly #stats = emptyTransportStats();
  readonly #groupContext: ChannelGroupContext;
  readonly #streamHooks: ConversationStreamHooks;

  /** @param options backend, heartbeat interval, backoff, batching */
  constructor(options: NotificationStreamTransportOptions) {
    this.#options = options;
    this.#streamHooks = transportStreamHooks(options, (stream) => this.#release(stream));
    this.#maxTopics = Math.min(options.maxTopicsPerChannel ?? MAX_TOPICS_PER_CHANNEL, MAX_TOPICS_PER_CHANNEL);
    const {
      backend,
      logger,
      maxTopicsPerChannel: _pool,
      idleReadMs: _streams,
      assistantTopic: _routing,
      limits,
      ...timings
    } = options;
    this.#groupContext = {
      ...timings,
      maxFrameBytes: limits?.maxFrameBytes ?? DEFAULT_RESPONSE_LIMITS.maxFrameBytes,
      earlyEvents: {
        maxConversations: limits?.maxEarlyConversations ?? DEFAULT_RESPONSE_LIMITS.maxEarlyConversations,
        maxBytes: limits?.maxEarlyEventBytes ?? DEFAULT_RESPONSE_LIMITS.maxEarlyEventBytes,
        maxAgeMs: limits?.maxEarlyEventAgeMs ?? DEFAULT_RESPONSE_LIMITS.maxEarlyEventAgeMs,
      },
      backend,
      logger: logger ?? silentLogger,
      lifetime: this.#lifetime.signal,
      stats: this.#stats,
    };
  }

  /**
   * Before a create for `assistantId`: makes sure its responses topic is subscribed on one channel
   * (the first call subscribes it; later ones find it active), and counts the create so that events
   * coming before its stream opens are kept. Call `open` with the created conversation, or `abandon`.
   * @param deadlineAt the injection's deadline (`Date.now()` ms), bounding the requests made for it
   * @returns true when the topic is active; false when conversation topics are used instead (a promise
   *   only while the topic's subscription is under way)
   */
  prepare(assistantId: string, deadlineAt?: number): boolean | Promise<boolean> {
    if (this.#options.assistantTopic === false || this.#lifetime.signal.aborted) return false;
    let group = this.#groups.find((candidate) => candidate.holds(assistantId));
    if (group === undefined) {
      if (this.#groups.some((candidate) => candidate.refused(assistantId))) return false;
      group = this.#pickGroup();
      if (group === undefined) return false;
    }
    return group.expect(assistantId, deadlineAt);
  }

  /** A create `prepare` counted ended without a conversation to open. */
  abandon(assistantId: string): void {
    this.#groups.find((group) => group.holds(assistantId))?.abandon(assistantId);
  }

  /** @inheritdoc */
  open(
    assistantId: string,
    conversationId: string,
    options: OpenStreamOptions = {},
  ): ConversationStreamHandle {
    const stream = new ConversationStream(conversationId, options, this.#streamHooks, assistantId);
    if (this.#lifetime.signal.aborted) {
      stream.fail(new AbortError('the stream transport is closed'));
      return stream;
    }
    this.#groupOf.get(conversationId)?.get(conversationId)?.cancel();
    const routing = this.#groups.find((candidate) => candidate.routes(assistantId));
    if (routing !== undefined) {
      this.#groupOf.set(conversationId, routing);
      routing.addRouted(assistantId, conversationId, stream);
      return stream;
    }
    const group = this.#pickGroup();
    if (group === undefined) {
      stream.fail(
        new StreamError(`more than ${this.#maxTopics * (MAX_CHANNELS_PER_CLIENT - 1)} concurrent streams`, {
          code: 'channel.capacity',
          conversationId,
        }),
      );
      return stream;
    }
    group.add(conversationId, stream);
    this.#groupOf.set(conversationId, group);
    return stream;
  }

  /** @inheritdoc */
  stats(): StreamTransportStats {
    let earlyEventsDropped = 0;
    for (const group of this.#groups) earlyEventsDropped += group.earlyEvents.dropped;
    return { ...this.#stats, liveStreams: this.#groupOf.size, earlyEventsDropped };
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#lifetime.signal.aborted) return;
    this.#lifetime.abort();
    await Promise.all(this.#groups.map((group) => group.close()));
  }

  /** The first group with room, or a new one while the client may open more channels. */
  #pickGroup(): ChannelGroup | undefined {
    const open = this.#groups.find((group) => group.size < this.#maxTopics);
    if (open !== undefined) return open;
    if (this.#groups.length >= MAX_CHANNELS_PER_CLIENT - 1) return undefined;
    const group = new ChannelGroup(this.#groups.length, this.#groupContext);
    this.#groups.push(group);
    return group;
  }

  #release(stream: ConversationStream): void {
    const { conversationId } = stream;
    const group = this.#groupOf.get(conversationId);
    if (group?.remove(conversationId, stream)) this.#groupOf.delete(conversationId);
  }
}
