/**
 * The conversations sharing one notification channel, and everything that channel owns: its socket
 * (and the one being retired during a replacement), its subscription list on the server, the queue
 * that runs its subscription work one operation at a time (subscribe, reconnect, replace — so a
 * reconnect never races a subscription), and its two timers (subscription batching, renewal before
 * expiry).
 */
import {
  CHANNEL_LIFETIME_MS,
  HEARTBEAT_INTERVAL_MS,
  MAX_TOPICS_PER_CHANNEL,
  aiResponseTopic,
  type Channel,
} from '../contract/notifications.js';
import { AbortError, InvalidResponseError, StreamError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortableDelay } from '../timers/abortable-delay.js';
import { timerDelay } from '../timers/timer-delay.js';
import { ChannelConnection } from './channel-connection.js';
import type { ConversationStream } from './conversation-stream.js';
import type { NotificationFrameEvent } from './frame-parser.js';
import { reconnectDelayMs, type ReconnectBackoffOptions } from './reconnect-backoff.js';
import type { StreamBackend } from './stream-backend.js';
import type { StreamTransportStats } from './stream-transport.js';

/** What every group of one transport shares. */
export interface ChannelGroupContext {
  backend: StreamBackend;
  logger: Logger;
  /** Fires when the transport closes: every wait and request of the group stops. */
  lifetime: AbortSignal;
  /** The transport's counters, which each group adds to. */
  stats: StreamTransportStats;
  /** The service's heartbeat interval (default 30 000). */
  heartbeatIntervalMs?: number;
  /** Opening handshake timeout (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Largest frame a channel socket accepts (ws `maxPayload`). */
  maxFrameBytes: number;
  /** Reconnect backoff (default base 1 s, cap 30 s). */
  backoff?: ReconnectBackoffOptions;
  /** Failed attempts in a row before the group's streams fail (default 8). */
  maxConnectAttempts?: number;
  /** Subscriptions arriving within this many ms share one request (default 5). */
  subscribeCoalesceMs?: number;
  /** Replace a channel this long before it expires (default 60 000, at most a tenth of its lifetime). */
  renewBeforeExpiryMs?: number;
}

/** One channel's conversations, socket, subscriptions, work queue and timers. */
export class ChannelGroup {
  /** Position in the transport's pool, for logs. */
  readonly index: number;
  readonly #context: ChannelGroupContext;
  readonly #streams = new Map<string, ConversationStream>();
  /** Live conversations not yet in a subscription request. */
  readonly #pending = new Set<string>();
  #channel: Channel | undefined;
  /** Topics the server holds for `#channel`, live or lapsed. */
  #serverTopics = new Set<string>();
  #connection: ChannelConnection | undefined;
  /** The connection being replaced, while a replacement runs. */
  #retiring: ChannelConnection | undefined;
  #retiringDropped = false;
  /** The server announced `socket_closing` on this channel: do not reconnect to it. */
  #channelClosing = false;
  #operations: Promise<void> = Promise.resolve();
  #flushTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;

  /**
   * @param index position in the pool
   * @param context backend, logger, lifetime, counters and timings shared by the pool
   */
  constructor(index: number, context: ChannelGroupContext) {
    this.index = index;
    this.#context = context;
  }

  /** Conversations streaming on this channel now. */
  get size(): number {
    return this.#streams.size;
  }

  /**
   * Adds a stream; its subscription goes out with the others that arrive within the batching window.
   * @param conversationId the conversation
   * @param stream its stream
   */
  add(conversationId: string, stream: ConversationStream): void {
    this.#streams.set(conversationId, stream);
    this.#pending.add(conversationId);
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      this.#enqueue(() => this.#flush());
    }, this.#context.subscribeCoalesceMs ?? 5);
  }

  /**
   * Forgets a settled stream (its topic lapses on the channel; no request).
   * @returns false when `stream` is not the group's stream of that conversation
   */
  remove(conversationId: string, stream: ConversationStream): boolean {
    if (this.#streams.get(conversationId) !== stream) return false;
    this.#streams.delete(conversationId);
    this.#pending.delete(conversationId);
    return true;
  }

  /** The stream of a conversation, if it is on this channel. */
  get(conversationId: string): ConversationStream | undefined {
    return this.#streams.get(conversationId);
  }

  /**
   * Fails every stream, clears the timers and closes the sockets; resolves once the work queue is
   * idle. Call after the context's lifetime fired.
   */
  async close(): Promise<void> {
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#renewTimer);
    for (const stream of [...this.#streams.values()])
      stream.fail(new AbortError('the stream transport was closed'));
    const closing: Promise<void>[] = [];
    for (const connection of [this.#connection, this.#retiring]) {
      if (connection !== undefined) closing.push(this.#closeConnection(connection));
    }
    this.#connection = undefined;
    this.#retiring = undefined;
    closing.push(this.#operations);
    await Promise.all(closing);
  }

  #enqueue(operation: () => Promise<void>): void {
    const { lifetime, logger } = this.#context;
    this.#operations = this.#operations.then(async () => {
      if (lifetime.aborted) return;
      try {
        await operation();
      } catch (error) {
        if (!lifetime.aborted) logger.warn({ err: (error as Error).message }, 'channel operation failed');
      }
    });
  }

  /** Sends the pending subscriptions in one request. */
  async #flush(): Promise<void> {
    const batch = [...this.#pending].filter((id) => this.#streams.has(id));
    this.#pending.clear();
    if (batch.length === 0) return;
    let active: string[];
    try {
      // A fresh connection subscribes every live stream, this batch included — and also streams
      // opened since the batch was taken, whose own flush then finds nothing to do.
      const resubscribed = await this.#ensureConnection(false);
      if (resubscribed === undefined) await this.#subscribe(batch);
      active = resubscribed ?? batch;
    } catch (error) {
      for (const id of batch) this.#streams.get(id)?.fail(error);
      return;
    }
    for (const id of active) this.#streams.get(id)?.markActive();
  }

  /**
   * Adds topics to the channel: a POST, or a PUT of the live topics when the channel's list would pass
   * the limit with lapsed topics.
   */
  async #subscribe(conversationIds: string[]): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined) throw new StreamError('no notification channel', { code: 'channel.missing' });
    const topics = conversationIds.map(aiResponseTopic).filter((topic) => !this.#serverTopics.has(topic));
    if (topics.length === 0) return;
    const { backend, lifetime, stats } = this.#context;
    stats.subscriptionRequests += 1;
    if (this.#serverTopics.size + topics.length <= MAX_TOPICS_PER_CHANNEL) {
      await backend.addSubscriptions(channel.id, topics, lifetime);
      for (const topic of topics) this.#serverTopics.add(topic);
      return;
    }
    const live = [...this.#streams.keys()].map(aiResponseTopic);
    if (backend.replaceSubscriptions !== undefined) {
      await backend.replaceSubscriptions(channel.id, live, lifetime);
    } else {
      await this.#replaceChannel();
      const current = this.#channel;
      if (current === undefined)
        throw new StreamError('no notification channel', { code: 'channel.missing' });
      await backend.addSubscriptions(current.id, live, lifetime);
    }
    this.#serverTopics = new Set(live);
  }

  /**
   * Makes sure the group has an open socket, reusing its channel when it is still valid.
   * @returns undefined when the open socket was kept; else the conversations subscribed on the new one
   */
  async #ensureConnection(afterDrop: boolean): Promise<string[] | undefined> {
    if (this.#connection !== undefined && !this.#connection.ended) return undefined;
    const { lifetime, logger } = this.#context;
    const maxAttempts = this.#context.maxConnectAttempts ?? 8;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
      if (afterDrop || attempt > 0) {
        await abortableDelay(reconnectDelayMs(attempt, this.#context.backoff), lifetime);
      }
      if (lifetime.aborted) throw new AbortError('the stream transport was closed');
      try {
        const kept = this.#channel;
        const reuse =
          kept !== undefined && !this.#channelClosing && msToExpiry(kept) > this.#renewMarginMs(kept);
        let channel = reuse ? kept : await this.#createChannel();
        let connection: ChannelConnection;
        try {
          connection = await this.#connect(channel);
        } catch (error) {
          if (!reuse) throw error;
          // The old channel is gone on the server: start over on a new one.
          channel = await this.#createChannel();
          connection = await this.#connect(channel);
        }
        this.#connection = connection;
        this.#scheduleRenewal(channel);
        return await this.#resubscribeAll(channel, reuse);
      } catch (error) {
        lastError = error;
        // A lifetime ended, or an answer that breaks the contract (an unsafe connectUri): trying
        // again only repeats it.
        if (lifetime.aborted || error instanceof InvalidResponseError) throw error;
        logger.warn({ attempt, err: (error as Error).message }, 'notification channel connect failed');
      }
    }
    throw lastError;
  }

  /**
   * Subscribes every live stream on the (new or reused) channel, in one request.
   * @returns the conversations subscribed
   */
  async #resubscribeAll(channel: Channel, reusedChannel: boolean): Promise<string[]> {
    this.#pending.clear();
    const ids = [...this.#streams.keys()];
    const live = ids.map(aiResponseTopic);
    if (live.length === 0) return ids;
    const { backend, lifetime, stats } = this.#context;
    stats.subscriptionRequests += 1;
    if (reusedChannel && backend.replaceSubscriptions !== undefined) {
      await backend.replaceSubscriptions(channel.id, live, lifetime);
      this.#serverTopics = new Set(live);
    } else {
      await backend.addSubscriptions(channel.id, live, lifetime);
      for (const topic of live) this.#serverTopics.add(topic);
    }
    return ids;
  }

  async #createChannel(): Promise<Channel> {
    const channel = await this.#context.backend.createChannel(this.#context.lifetime);
    this.#channel = channel;
    this.#serverTopics = new Set();
    this.#channelClosing = false;
    this.#context.stats.channelsCreated += 1;
    return channel;
  }

  async #connect(channel: Channel): Promise<ChannelConnection> {
    const connection = await ChannelConnection.open(channel, {
      heartbeatIntervalMs: this.#context.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
      handshakeTimeoutMs: this.#context.handshakeTimeoutMs ?? 10_000,
      maxFrameBytes: this.#context.maxFrameBytes,
      onFrame: (frame, from) => this.#onFrame(frame, from),
      onDrop: (from, reason) => this.#onDrop(from, reason),
    });
    const { stats, lifetime } = this.#context;
    stats.socketsOpened += 1;
    stats.socketsOpen += 1;
    if (lifetime.aborted) {
      await this.#closeConnection(connection);
      throw new AbortError('the stream transport was closed');
    }
    return connection;
  }

  #closeConnection(connection: ChannelConnection): Promise<void> {
    if (!connection.ended) this.#context.stats.socketsOpen -= 1;
    return connection.close();
  }

  #onFrame(frame: NotificationFrameEvent, from: ChannelConnection): void {
    if (frame.kind === 'event') {
      this.#streams.get(frame.event.data.conversationId)?.handleEvent(frame.event);
    } else if (frame.kind === 'malformed') {
      if (frame.conversationId !== undefined) this.#streams.get(frame.conversationId)?.noteMalformed();
      else for (const stream of this.#streams.values()) stream.noteMalformed();
    } else if (frame.kind === 'socket-closing' && from === this.#connection) {
      this.#channelClosing = true;
      this.#enqueue(() => this.#replaceChannel());
    }
  }

  #onDrop(from: ChannelConnection, reason: string): void {
    const { stats, lifetime, logger } = this.#context;
    stats.socketsOpen -= 1;
    if (lifetime.aborted) return;
    if (from === this.#retiring) {
      this.#retiringDropped = true;
      return;
    }
    if (from !== this.#connection) return;
    logger.info(
      { reason, channel: this.index, liveStreams: this.#streams.size },
      'notification socket dropped',
    );
    this.#connection = undefined;
    clearTimeout(this.#renewTimer);
    if (this.#streams.size === 0) return;
    stats.reconnects += 1;
    for (const stream of this.#streams.values()) stream.markDropped();
    this.#enqueue(() => this.#reconnect());
  }

  /** After a drop: a new socket (with backoff), every live stream resubscribed and reconciled. */
  async #reconnect(): Promise<void> {
    let resubscribed: string[] | undefined;
    try {
      resubscribed = await this.#ensureConnection(true);
    } catch (error) {
      for (const stream of [...this.#streams.values()]) stream.fail(error);
      return;
    }
    this.#markActive(resubscribed);
  }

  /**
   * Moves the group to a new channel: create it, connect, subscribe every live topic, and only then
   * close the old socket. During the overlap both deliver; streams drop what they already have.
   */
  async #replaceChannel(): Promise<void> {
    const old = this.#connection;
    if (old === undefined || old.ended) {
      // Already dropped: the drop's reconnect does the work.
      return;
    }
    this.#retiring = old;
    this.#retiringDropped = false;
    clearTimeout(this.#renewTimer);
    try {
      const channel = await this.#createChannel();
      this.#connection = await this.#connect(channel);
      this.#scheduleRenewal(channel);
      this.#markActive(await this.#resubscribeAll(channel, false));
    } catch (error) {
      this.#context.logger.warn({ err: (error as Error).message }, 'notification channel replacement failed');
      this.#connection = undefined;
      this.#retiringDropped = true;
    } finally {
      this.#retiring = undefined;
      await this.#closeConnection(old);
    }
    if (this.#retiringDropped && !this.#context.lifetime.aborted) {
      // The old socket closed before the new channel was active: events in between may be missing.
      this.#context.stats.reconnects += 1;
      for (const stream of this.#streams.values()) stream.markDropped();
      if (this.#connection === undefined) await this.#reconnect();
      else this.#markActive(undefined);
    }
  }

  /**
   * Marks streams active after their subscription is in place: `ids` when a new socket subscribed
   * them, else every live stream not waiting for its first subscription.
   */
  #markActive(ids: string[] | undefined): void {
    const targets = ids ?? [...this.#streams.keys()].filter((id) => !this.#pending.has(id));
    for (const id of targets) this.#streams.get(id)?.markActive();
  }

  #scheduleRenewal(channel: Channel): void {
    clearTimeout(this.#renewTimer);
    const delay = msToExpiry(channel) - this.#renewMarginMs(channel);
    if (!Number.isFinite(delay)) return;
    this.#renewTimer = setTimeout(
      () => {
        this.#renewTimer = undefined;
        this.#enqueue(() => this.#replaceChannel());
      },
      // A server's far-off `expires` must not overflow the timer (it would fire at once).
      timerDelay(delay),
    );
  }

  /** A tenth of the remaining lifetime at most, so short test lifetimes still renew in time. */
  #renewMarginMs(channel: Channel): number {
    const lifetime = Math.min(msToExpiry(channel), CHANNEL_LIFETIME_MS);
    return Math.min(this.#context.renewBeforeExpiryMs ?? 60_000, Math.max(0, lifetime) / 10);
  }
}

function msToExpiry(channel: Channel): number {
  const expires = Date.parse(channel.expires);
  return Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires - Date.now();
}
