/**
 * The conversations sharing one notification channel, and everything that channel owns: its socket
 * (and the one being retired during a replacement), its subscription list on the server, the queue
 * that runs its subscription work one operation at a time (subscribe, reconnect, replace — so a
 * reconnect never races a subscription), and its timers (subscription batching under load, renewal
 * before expiry).
 *
 * A conversation's events come on its own topic, or on its assistant's responses topic when this
 * channel holds that (docs/protocol.md): such a "routed" stream needs no subscription request, and the
 * events that come before its stream opens wait in `EarlyEvents`.
 */
import {
  CHANNEL_LIFETIME_MS,
  HEARTBEAT_INTERVAL_MS,
  MAX_TOPICS_PER_CHANNEL,
  aiResponseTopic,
  assistantResponsesTopic,
  type Channel,
} from '../contract/notifications.js';
import { AbortError, GenesysPromptError, InvalidResponseError, StreamError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortableDelay } from '../timers/abortable-delay.js';
import { timerDelay } from '../timers/timer-delay.js';
import { ChannelConnection } from './channel-connection.js';
import type { ConversationStream } from './conversation-stream.js';
import { EarlyEvents, type EarlyEventLimits } from './early-events.js';
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
  /**
   * Under load (a subscription request in flight), wait this many ms more to batch the next one
   * (default 0: the next request takes whatever arrived while the first was in flight). When the
   * channel is idle the subscription goes out at once.
   */
  subscribeCoalesceMs?: number;
  /** Bounds of the events held for streams not opened yet (assistant topics). */
  earlyEvents: EarlyEventLimits;
  /** Replace a channel this long before it expires (default 60 000, at most a tenth of its lifetime). */
  renewBeforeExpiryMs?: number;
}

/** An assistant responses topic on this channel: being subscribed, active, or refused by the server. */
interface AssistantTopic {
  state: 'subscribing' | 'active' | 'refused';
  /** Resolves true once active, false when refused; rejects with any other failure. */
  readonly ready: Promise<boolean>;
  /** Why the subscription failed, when the server did not refuse the topic itself. */
  error?: unknown;
  /** Creates in flight for this assistant: events of unknown conversations are held only then. */
  expected: number;
}

/** One channel's conversations, socket, subscriptions, work queue and timers. */
export class ChannelGroup {
  /** Position in the transport's pool, for logs. */
  readonly index: number;
  readonly #context: ChannelGroupContext;
  /** Streams with a conversation topic of their own. */
  readonly #streams = new Map<string, ConversationStream>();
  /** Streams whose events come on an assistant topic of this channel. */
  readonly #routed = new Map<string, ConversationStream>();
  readonly #assistants = new Map<string, AssistantTopic>();
  /** Created on the first early event. */
  #early: EarlyEvents | undefined;
  #flushQueued = false;
  /** Operations queued or running. */
  #busy = 0;
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

  /** Topics this channel uses for live streams: one per conversation topic stream, one per assistant. */
  get size(): number {
    return this.#streams.size + this.#assistants.size;
  }

  /** Events held for streams not opened yet, and conversations whose held events were dropped. */
  get earlyEvents(): { conversations: number; bytes: number; dropped: number } {
    const early = this.#early;
    return { conversations: early?.size ?? 0, bytes: early?.bytes ?? 0, dropped: early?.dropped ?? 0 };
  }

  /**
   * Adds a stream with a conversation topic of its own. Its subscription goes out at once when the
   * channel is idle, else with the others that arrive while a request is in flight.
   * @param conversationId the conversation
   * @param stream its stream
   */
  add(conversationId: string, stream: ConversationStream): void {
    this.#streams.set(conversationId, stream);
    this.#pending.add(conversationId);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    const flush = (): void =>
      this.#enqueue(() => {
        this.#flushQueued = false;
        return this.#flush();
      });
    const coalesceMs = this.#context.subscribeCoalesceMs ?? 0;
    if (this.#busy === 0 || coalesceMs <= 0) flush();
    else {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        flush();
      }, coalesceMs);
    }
  }

  /**
   * True when `assistantId`'s responses topic is active on this channel: its streams go to
   * `addRouted`, with no subscription of their own.
   */
  routes(assistantId: string): boolean {
    return this.#assistants.get(assistantId)?.state === 'active';
  }

  /** True when this channel holds, or is subscribing, `assistantId`'s responses topic. */
  holds(assistantId: string): boolean {
    const state = this.#assistants.get(assistantId)?.state;
    return state === 'active' || state === 'subscribing';
  }

  /** True when the server refused `assistantId`'s responses topic on this channel. */
  refused(assistantId: string): boolean {
    return this.#assistants.get(assistantId)?.state === 'refused';
  }

  /**
   * Subscribes `assistantId`'s responses topic here (once) and counts one create about to start.
   * @param deadlineAt the deadline of the injection that asks first, which bounds the requests made
   *   for it (a client paused past it fails at once, and so do the creates waiting with it)
   * @returns true once the topic is active (the caller then opens its stream, or calls `abandon`);
   *   false when the server refused the topic (nothing is counted)
   * @throws what made the channel fail otherwise (no channel, no socket, an unsafe connectUri)
   */
  expect(assistantId: string, deadlineAt?: number): boolean | Promise<boolean> {
    let topic = this.#assistants.get(assistantId);
    // Every create after the topic's first: counted, and nothing to wait for (no promise).
    if (topic?.state === 'active') {
      topic.expected += 1;
      return true;
    }
    if (topic === undefined) {
      let resolve!: (active: boolean) => void;
      let reject!: (error: unknown) => void;
      const ready = new Promise<boolean>((onActive, onError) => {
        resolve = onActive;
        reject = onError;
      });
      const created: AssistantTopic = { state: 'subscribing', ready, expected: 0 };
      topic = created;
      this.#assistants.set(assistantId, created);
      this.#enqueue(
        () => this.#subscribeAssistant(assistantId, created, deadlineAt),
        () => {
          if (created.error === undefined) resolve(created.state === 'active');
          else reject(created.error);
        },
      );
    }
    // Counted before the wait: a create may start the moment the topic is active.
    topic.expected += 1;
    return ChannelGroup.#whenReady(topic);
  }

  /** Waits for a counted topic's subscription; uncounts the create unless it became active. */
  static async #whenReady(topic: AssistantTopic): Promise<boolean> {
    try {
      if (await topic.ready) return true;
    } catch (error) {
      topic.expected = Math.max(0, topic.expected - 1);
      throw error;
    }
    topic.expected = Math.max(0, topic.expected - 1);
    return false;
  }

  /** A create counted by `expect` ended without a stream. */
  abandon(assistantId: string): void {
    const topic = this.#assistants.get(assistantId);
    if (topic !== undefined) topic.expected = Math.max(0, topic.expected - 1);
  }

  /**
   * Adds a stream whose events come on its assistant's topic (`routes` is true): active at once when
   * the socket is up, and fed the events that came before it opened.
   */
  addRouted(assistantId: string, conversationId: string, stream: ConversationStream): void {
    this.abandon(assistantId);
    this.#routed.set(conversationId, stream);
    // The events that came before the stream are fed first: when chunk 1 is among them the stream
    // knows it missed nothing before it is marked active, and arms no quiet-time timer; a gap among
    // them is owed a read, paid when it is marked active — as when they come after.
    const early = this.#early?.claim(conversationId);
    if (early !== undefined) for (const event of early) stream.handleEvent(event);
    if (this.#connection !== undefined && !this.#connection.ended) stream.markActive();
    // The socket is down (a reconnect may have given up): connect again; the stream is marked active then.
    else this.#enqueue(() => this.#reconnect(false));
  }

  /**
   * Forgets a settled stream (its topic lapses on the channel; no request).
   * @returns false when `stream` is not the group's stream of that conversation
   */
  remove(conversationId: string, stream: ConversationStream): boolean {
    if (this.#routed.get(conversationId) === stream) {
      this.#routed.delete(conversationId);
      return true;
    }
    if (this.#streams.get(conversationId) !== stream) return false;
    this.#streams.delete(conversationId);
    this.#pending.delete(conversationId);
    return true;
  }

  /** The stream of a conversation, if it is on this channel. */
  get(conversationId: string): ConversationStream | undefined {
    return this.#streams.get(conversationId) ?? this.#routed.get(conversationId);
  }

  /** Every live stream, both kinds. */
  #all(): ConversationStream[] {
    return [...this.#streams.values(), ...this.#routed.values()];
  }

  /**
   * Fails every stream, clears the timers and closes the sockets; resolves once the work queue is
   * idle. Call after the context's lifetime fired.
   */
  async close(): Promise<void> {
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#renewTimer);
    this.#early?.clear();
    for (const stream of this.#all()) stream.fail(new AbortError('the stream transport was closed'));
    const closing: Promise<void>[] = [];
    for (const connection of [this.#connection, this.#retiring]) {
      if (connection !== undefined) closing.push(this.#closeConnection(connection));
    }
    this.#connection = undefined;
    this.#retiring = undefined;
    closing.push(this.#operations);
    await Promise.all(closing);
  }

  /**
   * Runs `operation` after the ones queued before it.
   * @param after runs once the operation ended or was skipped (the transport closed), whatever happened
   */
  #enqueue(operation: () => Promise<void>, after?: () => void): void {
    const { lifetime, logger } = this.#context;
    this.#busy += 1;
    this.#operations = this.#operations.then(async () => {
      try {
        if (!lifetime.aborted) await operation();
      } catch (error) {
        if (!lifetime.aborted) logger.warn({ err: (error as Error).message }, 'channel operation failed');
      } finally {
        this.#busy -= 1;
        after?.();
      }
    });
  }

  /**
   * Subscribes an assistant topic; a refusal (400, 403) marks it refused, another failure is kept for
   * the waiting callers and the topic forgotten (the next create tries again).
   */
  async #subscribeAssistant(assistantId: string, topic: AssistantTopic, deadlineAt?: number): Promise<void> {
    try {
      const resubscribed = await this.#ensureConnection(false, deadlineAt);
      await this.#subscribeTopics([assistantResponsesTopic(assistantId)], deadlineAt);
      topic.state = 'active';
      if (resubscribed !== undefined) this.#markActive(resubscribed);
    } catch (error) {
      const status = error instanceof GenesysPromptError ? error.status : undefined;
      if (status === 400 || status === 403) topic.state = 'refused';
      else {
        topic.error = error;
        this.#assistants.delete(assistantId);
      }
      this.#context.logger.info(
        { channel: this.index, status, err: (error as Error).message },
        'assistant responses topic not subscribed: conversation topics are used',
      );
    }
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
      if (resubscribed === undefined) await this.#subscribeTopics(batch.map(aiResponseTopic));
      active = resubscribed ?? batch;
    } catch (error) {
      for (const id of batch) this.#streams.get(id)?.fail(error);
      return;
    }
    for (const id of active) this.#streams.get(id)?.markActive();
  }

  /**
   * Adds topics to the channel: a POST, or a PUT of the live topics and these when the channel's list
   * would pass the limit with lapsed topics.
   */
  async #subscribeTopics(wanted: string[], deadlineAt?: number): Promise<void> {
    const channel = this.#channel;
    if (channel === undefined) throw new StreamError('no notification channel', { code: 'channel.missing' });
    const topics = wanted.filter((topic) => !this.#serverTopics.has(topic));
    if (topics.length === 0) return;
    const { backend, lifetime, stats } = this.#context;
    stats.subscriptionRequests += 1;
    if (this.#serverTopics.size + topics.length <= MAX_TOPICS_PER_CHANNEL) {
      await backend.addSubscriptions(channel.id, topics, lifetime, deadlineAt);
      for (const topic of topics) this.#serverTopics.add(topic);
      return;
    }
    const live = [...new Set([...this.#liveTopics(), ...topics])];
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
  async #ensureConnection(afterDrop: boolean, deadlineAt?: number): Promise<string[] | undefined> {
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
        let channel = reuse ? kept : await this.#createChannel(deadlineAt);
        let connection: ChannelConnection;
        try {
          connection = await this.#connect(channel);
        } catch (error) {
          if (!reuse) throw error;
          // The old channel is gone on the server: start over on a new one.
          channel = await this.#createChannel(deadlineAt);
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
    const ids = [...this.#streams.keys(), ...this.#routed.keys()];
    const live = this.#liveTopics();
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

  /** The topics live streams need: each conversation topic, and each active assistant topic. */
  #liveTopics(): string[] {
    const topics = [...this.#streams.keys()].map(aiResponseTopic);
    for (const [assistantId, topic] of this.#assistants) {
      if (topic.state === 'active') topics.push(assistantResponsesTopic(assistantId));
    }
    return topics;
  }

  async #createChannel(deadlineAt?: number): Promise<Channel> {
    const channel = await this.#context.backend.createChannel(this.#context.lifetime, deadlineAt);
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
      const conversationId = frame.event.data.conversationId;
      // An event on an assistant topic is for a routed stream: one lookup, not two.
      const stream =
        frame.assistantId === undefined
          ? this.get(conversationId)
          : (this.#routed.get(conversationId) ?? this.#streams.get(conversationId));
      if (stream !== undefined) stream.handleEvent(frame.event);
      else if (frame.assistantId !== undefined && this.#expecting(frame.assistantId)) {
        this.#early ??= new EarlyEvents(this.#context.earlyEvents);
        this.#early.hold(conversationId, frame.event, frame.bytes);
      }
    } else if (frame.kind === 'malformed') {
      if (frame.conversationId !== undefined) this.get(frame.conversationId)?.noteMalformed();
      else for (const stream of this.#all()) stream.noteMalformed();
    } else if (frame.kind === 'socket-closing' && from === this.#connection) {
      this.#channelClosing = true;
      this.#enqueue(() => this.#replaceChannel());
    }
  }

  /** True while a create for `assistantId` is in flight here (its events may come before its stream). */
  #expecting(assistantId: string): boolean {
    return (this.#assistants.get(assistantId)?.expected ?? 0) > 0;
  }

  /** Events were lost on this channel: every stream reads once active again, and held events go. */
  #markAllDropped(): void {
    this.#early?.clear();
    for (const stream of this.#all()) stream.markDropped();
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
    const liveStreams = this.#streams.size + this.#routed.size;
    logger.info({ reason, channel: this.index, liveStreams }, 'notification socket dropped');
    this.#connection = undefined;
    clearTimeout(this.#renewTimer);
    this.#early?.clear();
    // With an assistant topic the channel reconnects even with no stream: the next create counts on it.
    if (liveStreams === 0 && !this.#holdsAnyAssistant()) return;
    stats.reconnects += 1;
    this.#markAllDropped();
    this.#enqueue(() => this.#reconnect());
  }

  /**
   * After a drop: a new socket (with backoff), every live stream resubscribed and reconciled.
   * @param afterDrop wait the backoff before the first attempt (default true)
   */
  async #reconnect(afterDrop = true): Promise<void> {
    let resubscribed: string[] | undefined;
    try {
      resubscribed = await this.#ensureConnection(afterDrop);
    } catch (error) {
      for (const stream of this.#all()) stream.fail(error);
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
      this.#markAllDropped();
      if (this.#connection === undefined) await this.#reconnect();
      else this.#markActive(undefined);
    }
  }

  /**
   * Marks streams active after their subscription is in place: `ids` when a new socket subscribed
   * them, else every live stream not waiting for its first subscription.
   */
  #markActive(ids: string[] | undefined): void {
    const targets = ids ?? [
      ...[...this.#streams.keys()].filter((id) => !this.#pending.has(id)),
      ...this.#routed.keys(),
    ];
    for (const id of targets) this.get(id)?.markActive();
  }

  #holdsAnyAssistant(): boolean {
    for (const topic of this.#assistants.values()) if (topic.state === 'active') return true;
    return false;
  }

  #scheduleRenewal(channel: Channel): void {
    clearTimeout(this.#renewTimer);
    const remaining = msToExpiry(channel);
    if (remaining <= 0) {
      // Past already on arrival (a skewed clock, a broken server): renewing would fetch another such
      // channel at once, in a loop. The channel is used until the server says socket_closing or drops it.
      this.#context.logger.warn(
        { channel: this.index, expires: channel.expires },
        'notification channel arrived already expired: not renewed before expiry',
      );
      return;
    }
    const delay = remaining - this.#renewMarginMs(channel);
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
