/**
 * The default transport: the Genesys notification service (PRODUCT.md 4.5). Conversations share
 * channels — a channel takes up to 1,000 topics, a new one is opened only past that, and at most 19
 * are used so that replacing one (socket_closing, expiry) never needs a 21st.
 *
 * Requests: subscriptions that arrive within `subscribeCoalesceMs` go out as ONE request per channel
 * (and while one is in flight the next ones queue into the following request). A finished
 * conversation's topic is not unsubscribed (no request); it lapses on the channel, and when the
 * channel's list would pass 1,000 the next subscription request is a PUT of the live topics only,
 * which prunes the lapsed ones in the same request.
 *
 * Each channel's subscription work (subscribe, reconnect, replace) runs one operation at a time, so a
 * reconnect never races a subscription.
 */
import {
  CHANNEL_LIFETIME_MS,
  HEARTBEAT_INTERVAL_MS,
  MAX_CHANNELS_PER_CLIENT,
  MAX_TOPICS_PER_CHANNEL,
  aiResponseTopic,
  type Channel,
} from '../contract/notifications.js';
import { AbortError, StreamError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { abortableDelay } from './abortable-delay.js';
import { ChannelConnection } from './channel-connection.js';
import { ConversationStream } from './conversation-stream.js';
import type { NotificationFrameEvent } from './frame-parser.js';
import { reconnectDelayMs, type ReconnectBackoffOptions } from './reconnect-backoff.js';
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
  /** Subscriptions arriving within this many ms share one request (default 5). */
  subscribeCoalesceMs?: number;
  /** Replace a channel this long before it expires (default 60 000, at most a tenth of its lifetime). */
  renewBeforeExpiryMs?: number;
  /** Quiet time before a doubtful stream reads its conversation (default 1000). */
  idleReadMs?: number;
  /** Opening handshake timeout (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Topics per channel (default and maximum 1,000); smaller in tests of the pool. */
  maxTopicsPerChannel?: number;
  logger?: Logger;
}

/** The conversations sharing one channel, and that channel's current socket. */
interface ChannelGroup {
  readonly index: number;
  readonly streams: Map<string, ConversationStream>;
  /** Live conversations not yet in a subscription request. */
  readonly pending: Set<string>;
  channel: Channel | undefined;
  /** Topics the server holds for `channel`, live or lapsed. */
  serverTopics: Set<string>;
  connection: ChannelConnection | undefined;
  /** The connection being replaced, while a replacement runs. */
  retiring: ChannelConnection | undefined;
  retiringDropped: boolean;
  /** The server announced `socket_closing` on this channel: do not reconnect to it. */
  channelClosing: boolean;
  operations: Promise<void>;
  flushTimer: NodeJS.Timeout | undefined;
  renewTimer: NodeJS.Timeout | undefined;
}

/** Many conversations on a few notification channels. */
export class NotificationStreamTransport implements ResponseStreamTransport {
  readonly kind = 'notifications' as const;
  readonly #options: NotificationStreamTransportOptions;
  readonly #backend: StreamBackend;
  readonly #logger: Logger;
  readonly #groups: ChannelGroup[] = [];
  readonly #groupOf = new Map<string, ChannelGroup>();
  readonly #lifetime = new AbortController();
  readonly #maxTopics: number;
  #stats = emptyTransportStats();

  /** @param options backend, heartbeat interval, backoff, batching */
  constructor(options: NotificationStreamTransportOptions) {
    this.#options = options;
    this.#backend = options.backend;
    this.#logger = options.logger ?? silentLogger;
    this.#maxTopics = Math.min(options.maxTopicsPerChannel ?? MAX_TOPICS_PER_CHANNEL, MAX_TOPICS_PER_CHANNEL);
  }

  /** @inheritdoc */
  open(
    assistantId: string,
    conversationId: string,
    options: OpenStreamOptions = {},
  ): ConversationStreamHandle {
    const stream = new ConversationStream(conversationId, options, {
      readConversation: (signal) => this.#backend.getConversation(assistantId, conversationId, signal),
      onSettled: () => this.#release(conversationId, stream),
      idleReadMs: this.#options.idleReadMs,
    });
    if (this.#lifetime.signal.aborted) {
      stream.fail(new AbortError('the stream transport is closed'));
      return stream;
    }
    this.#groupOf.get(conversationId)?.streams.get(conversationId)?.cancel();
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
    group.streams.set(conversationId, stream);
    group.pending.add(conversationId);
    this.#groupOf.set(conversationId, group);
    group.flushTimer ??= setTimeout(() => {
      group.flushTimer = undefined;
      this.#enqueue(group, () => this.#flush(group));
    }, this.#options.subscribeCoalesceMs ?? 5);
    return stream;
  }

  /** @inheritdoc */
  stats(): StreamTransportStats {
    return { ...this.#stats, liveStreams: this.#groupOf.size };
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#lifetime.signal.aborted) return;
    this.#lifetime.abort();
    const closing: Promise<void>[] = [];
    for (const group of this.#groups) {
      clearTimeout(group.flushTimer);
      clearTimeout(group.renewTimer);
      for (const stream of [...group.streams.values()])
        stream.fail(new AbortError('the stream transport was closed'));
      for (const connection of [group.connection, group.retiring]) {
        if (connection !== undefined) closing.push(this.#closeConnection(connection));
      }
      group.connection = undefined;
      group.retiring = undefined;
      closing.push(group.operations);
    }
    await Promise.all(closing);
  }

  #pickGroup(): ChannelGroup | undefined {
    const open = this.#groups.find((group) => group.streams.size < this.#maxTopics);
    if (open !== undefined) return open;
    if (this.#groups.length >= MAX_CHANNELS_PER_CLIENT - 1) return undefined;
    const group: ChannelGroup = {
      index: this.#groups.length,
      streams: new Map(),
      pending: new Set(),
      channel: undefined,
      serverTopics: new Set(),
      connection: undefined,
      retiring: undefined,
      retiringDropped: false,
      channelClosing: false,
      operations: Promise.resolve(),
      flushTimer: undefined,
      renewTimer: undefined,
    };
    this.#groups.push(group);
    return group;
  }

  #release(conversationId: string, stream: ConversationStream): void {
    const group = this.#groupOf.get(conversationId);
    if (group === undefined || group.streams.get(conversationId) !== stream) return;
    group.streams.delete(conversationId);
    group.pending.delete(conversationId);
    this.#groupOf.delete(conversationId);
  }

  #enqueue(group: ChannelGroup, operation: () => Promise<void>): void {
    group.operations = group.operations.then(async () => {
      if (this.#lifetime.signal.aborted) return;
      try {
        await operation();
      } catch (error) {
        if (!this.#lifetime.signal.aborted)
          this.#logger.warn({ err: (error as Error).message }, 'channel operation failed');
      }
    });
  }

  /** Sends the pending subscriptions of a group in one request. */
  async #flush(group: ChannelGroup): Promise<void> {
    const batch = [...group.pending].filter((id) => group.streams.has(id));
    group.pending.clear();
    if (batch.length === 0) return;
    let active: string[];
    try {
      // A fresh connection subscribes every live stream, this batch included — and also streams
      // opened since the batch was taken, whose own flush then finds nothing to do.
      const resubscribed = await this.#ensureConnection(group, false);
      if (resubscribed === undefined) await this.#subscribe(group, batch);
      active = resubscribed ?? batch;
    } catch (error) {
      for (const id of batch) group.streams.get(id)?.fail(error);
      return;
    }
    for (const id of active) group.streams.get(id)?.markActive();
  }

  /**
   * Adds topics to the group's channel: a POST, or a PUT of the live topics when the channel's list
   * would pass the limit with lapsed topics.
   */
  async #subscribe(group: ChannelGroup, conversationIds: string[]): Promise<void> {
    const channel = group.channel;
    if (channel === undefined) throw new StreamError('no notification channel', { code: 'channel.missing' });
    const topics = conversationIds.map(aiResponseTopic).filter((topic) => !group.serverTopics.has(topic));
    if (topics.length === 0) return;
    const signal = this.#lifetime.signal;
    this.#stats.subscriptionRequests += 1;
    if (group.serverTopics.size + topics.length <= MAX_TOPICS_PER_CHANNEL) {
      await this.#backend.addSubscriptions(channel.id, topics, signal);
      for (const topic of topics) group.serverTopics.add(topic);
      return;
    }
    const live = [...group.streams.keys()].map(aiResponseTopic);
    if (this.#backend.replaceSubscriptions !== undefined) {
      await this.#backend.replaceSubscriptions(channel.id, live, signal);
    } else {
      await this.#replaceChannel(group);
      await this.#backend.addSubscriptions(group.channel!.id, live, signal);
    }
    group.serverTopics = new Set(live);
  }

  /**
   * Makes sure the group has an open socket, reusing its channel when it is still valid.
   * @returns undefined when the open socket was kept; else the conversations subscribed on the new one
   */
  async #ensureConnection(group: ChannelGroup, afterDrop: boolean): Promise<string[] | undefined> {
    if (group.connection !== undefined && !group.connection.ended) return undefined;
    const maxAttempts = this.#options.maxConnectAttempts ?? 8;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      if (afterDrop || attempt > 0) {
        await abortableDelay(reconnectDelayMs(attempt, this.#options.backoff), this.#lifetime.signal);
      }
      if (this.#lifetime.signal.aborted) throw new AbortError('the stream transport was closed');
      try {
        const reuse =
          group.channel !== undefined &&
          !group.channelClosing &&
          this.#msToExpiry(group.channel) > this.#renewMarginMs(group.channel);
        if (!reuse) await this.#createChannel(group);
        let connection: ChannelConnection;
        try {
          connection = await this.#connect(group, group.channel!);
        } catch (error) {
          if (!reuse) throw error;
          // The old channel is gone on the server: start over on a new one.
          await this.#createChannel(group);
          connection = await this.#connect(group, group.channel!);
        }
        group.connection = connection;
        this.#scheduleRenewal(group);
        return await this.#resubscribeAll(group, reuse);
      } catch (error) {
        lastError = error;
        if (this.#lifetime.signal.aborted) throw error;
        this.#logger.warn({ attempt, err: (error as Error).message }, 'notification channel connect failed');
      }
    }
    throw lastError;
  }

  /**
   * Subscribes every live stream of the group on its (new or reused) channel, in one request.
   * @returns the conversations subscribed
   */
  async #resubscribeAll(group: ChannelGroup, reusedChannel: boolean): Promise<string[]> {
    group.pending.clear();
    const ids = [...group.streams.keys()];
    const live = ids.map(aiResponseTopic);
    if (live.length === 0) return ids;
    const channelId = group.channel!.id;
    this.#stats.subscriptionRequests += 1;
    if (reusedChannel && this.#backend.replaceSubscriptions !== undefined) {
      await this.#backend.replaceSubscriptions(channelId, live, this.#lifetime.signal);
      group.serverTopics = new Set(live);
    } else {
      await this.#backend.addSubscriptions(channelId, live, this.#lifetime.signal);
      for (const topic of live) group.serverTopics.add(topic);
    }
    return ids;
  }

  async #createChannel(group: ChannelGroup): Promise<void> {
    group.channel = await this.#backend.createChannel(this.#lifetime.signal);
    group.serverTopics = new Set();
    group.channelClosing = false;
    this.#stats.channelsCreated += 1;
  }

  async #connect(group: ChannelGroup, channel: Channel): Promise<ChannelConnection> {
    const connection = await ChannelConnection.open(channel, {
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
      handshakeTimeoutMs: this.#options.handshakeTimeoutMs ?? 10_000,
      onFrame: (frame, from) => this.#onFrame(group, frame, from),
      onDrop: (from, reason) => this.#onDrop(group, from, reason),
    });
    this.#stats.socketsOpened += 1;
    this.#stats.socketsOpen += 1;
    if (this.#lifetime.signal.aborted) {
      await this.#closeConnection(connection);
      throw new AbortError('the stream transport was closed');
    }
    return connection;
  }

  #closeConnection(connection: ChannelConnection): Promise<void> {
    if (!connection.ended) this.#stats.socketsOpen -= 1;
    return connection.close();
  }

  #onFrame(group: ChannelGroup, frame: NotificationFrameEvent, from: ChannelConnection): void {
    if (frame.kind === 'event') {
      group.streams.get(frame.event.data.conversationId)?.handleEvent(frame.event);
    } else if (frame.kind === 'malformed') {
      if (frame.conversationId !== undefined) group.streams.get(frame.conversationId)?.noteMalformed();
      else for (const stream of group.streams.values()) stream.noteMalformed();
    } else if (frame.kind === 'socket-closing' && from === group.connection) {
      group.channelClosing = true;
      this.#enqueue(group, () => this.#replaceChannel(group));
    }
  }

  #onDrop(group: ChannelGroup, from: ChannelConnection, reason: string): void {
    this.#stats.socketsOpen -= 1;
    if (this.#lifetime.signal.aborted) return;
    if (from === group.retiring) {
      group.retiringDropped = true;
      return;
    }
    if (from !== group.connection) return;
    this.#logger.info(
      { reason, channel: group.index, liveStreams: group.streams.size },
      'notification socket dropped',
    );
    group.connection = undefined;
    clearTimeout(group.renewTimer);
    if (group.streams.size === 0) return;
    this.#stats.reconnects += 1;
    for (const stream of group.streams.values()) stream.markDropped();
    this.#enqueue(group, () => this.#reconnect(group));
  }

  /** After a drop: a new socket (with backoff), every live stream resubscribed and reconciled. */
  async #reconnect(group: ChannelGroup): Promise<void> {
    let resubscribed: string[] | undefined;
    try {
      resubscribed = await this.#ensureConnection(group, true);
    } catch (error) {
      for (const stream of [...group.streams.values()]) stream.fail(error);
      return;
    }
    this.#markActive(group, resubscribed);
  }

  /**
   * Moves the group to a new channel: create it, connect, subscribe every live topic, and only then
   * close the old socket. During the overlap both deliver; streams drop what they already have.
   */
  async #replaceChannel(group: ChannelGroup): Promise<void> {
    const old = group.connection;
    if (old === undefined || old.ended) {
      // Already dropped: the drop's reconnect does the work.
      return;
    }
    group.retiring = old;
    group.retiringDropped = false;
    clearTimeout(group.renewTimer);
    try {
      await this.#createChannel(group);
      group.connection = await this.#connect(group, group.channel!);
      this.#scheduleRenewal(group);
      this.#markActive(group, await this.#resubscribeAll(group, false));
    } catch (error) {
      this.#logger.warn({ err: (error as Error).message }, 'notification channel replacement failed');
      group.connection = undefined;
      group.retiringDropped = true;
    } finally {
      group.retiring = undefined;
      await this.#closeConnection(old);
    }
    if (group.retiringDropped && !this.#lifetime.signal.aborted) {
      // The old socket closed before the new channel was active: events in between may be missing.
      this.#stats.reconnects += 1;
      for (const stream of group.streams.values()) stream.markDropped();
      if (group.connection === undefined) await this.#reconnect(group);
      else this.#markActive(group, undefined);
    }
  }

  /**
   * Marks streams active after their subscription is in place: `ids` when a new socket subscribed
   * them, else every live stream not waiting for its first subscription.
   */
  #markActive(group: ChannelGroup, ids: string[] | undefined): void {
    const targets = ids ?? [...group.streams.keys()].filter((id) => !group.pending.has(id));
    for (const id of targets) group.streams.get(id)?.markActive();
  }

  #scheduleRenewal(group: ChannelGroup): void {
    clearTimeout(group.renewTimer);
    const channel = group.channel;
    if (channel === undefined) return;
    const delay = this.#msToExpiry(channel) - this.#renewMarginMs(channel);
    if (!Number.isFinite(delay)) return;
    group.renewTimer = setTimeout(
      () => {
        group.renewTimer = undefined;
        this.#enqueue(group, () => this.#replaceChannel(group));
      },
      Math.max(0, delay),
    );
  }

  #msToExpiry(channel: Channel): number {
    const expires = Date.parse(channel.expires);
    return Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires - Date.now();
  }

  /** A tenth of the remaining lifetime at most, so short test lifetimes still renew in time. */
  #renewMarginMs(channel: Channel): number {
    const lifetime = Math.min(this.#msToExpiry(channel), CHANNEL_LIFETIME_MS);
    return Math.min(this.#options.renewBeforeExpiryMs ?? 60_000, Math.max(0, lifetime) / 10);
  }
}
