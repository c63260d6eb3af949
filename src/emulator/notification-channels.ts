/**
 * The Genesys notification service as the emulator serves it (docs/protocol.md, the AI response events): channels per OAuth
 * client (20, the 21st removes the oldest), topic subscriptions (1 000 per channel), channel sockets
 * with heartbeats, ping/pong, `socket_closing` and expiry. One shared heartbeat timer for all sockets.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { AiStreamEvent } from '../contract/stream-events.js';
import {
  HEARTBEAT_TOPIC,
  MAX_CHANNELS_PER_CLIENT,
  MAX_TOPICS_PER_CHANNEL,
  SOCKET_CLOSING_TOPIC,
  aiResponseTopic,
  assistantIdFromTopic,
  assistantResponsesTopic,
  conversationIdFromTopic,
  type Channel,
} from '../contract/notifications.js';
import type { FaultInjector } from './fault-injector.js';
import type { SocketRegistry } from './socket-registry.js';

/** What the service knows of a conversation when it publishes one of its events. */
export interface PublishedConversation {
  readonly id: string;
  readonly assistantId: string;
  /** The OAuth client that created it: only that client's channels receive its events. */
  readonly clientId: string;
}

/** One channel. */
export interface ChannelState {
  readonly id: string;
  readonly clientId: string;
  readonly expiresAt: number;
  topics: Set<string>;
  readonly sockets: Set<WebSocket>;
  expiryTimer: NodeJS.Timeout | undefined;
}

/** Timing of the notification service. */
export interface NotificationChannelsOptions {
  channelLifetimeMs: number;
  heartbeatIntervalMs: number;
}

const HEARTBEAT_FRAME = JSON.stringify({
  topicName: HEARTBEAT_TOPIC,
  eventBody: { message: 'WebSocket Heartbeat' },
});
const PONG_FRAME = JSON.stringify({ topicName: HEARTBEAT_TOPIC, eventBody: { message: 'pong' } });
const SOCKET_CLOSING_FRAME = JSON.stringify({
  topicName: SOCKET_CLOSING_TOPIC,
  eventBody: { message: 'The socket is closing; open a new channel and move the subscriptions.' },
});
/** Grace between `socket_closing` and the close for the `socketClosingAfterMs` fault. */
const SOCKET_CLOSING_GRACE_MS = 100;

/** Thrown when a subscription list would exceed the topic limit. */
export class TooManyTopicsError extends Error {
  constructor(count: number) {
    super(`A channel may have at most ${MAX_TOPICS_PER_CHANNEL} topics; this request would make ${count}.`);
    this.name = 'TooManyTopicsError';
  }
}

/** Channels, their subscriptions and sockets. */
export class NotificationChannels {
  readonly #options: NotificationChannelsOptions;
  readonly #sockets: SocketRegistry;
  readonly #faults: FaultInjector;
  readonly #channels = new Map<string, ChannelState>();
  readonly #byClient = new Map<string, ChannelState[]>();
  /** conversationId -> channels subscribed to its AI topic. */
  readonly #byConversation = new Map<string, Set<ChannelState>>();
  /** assistantId -> channels subscribed to its assistant responses topic. */
  readonly #byAssistant = new Map<string, Set<ChannelState>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #heartbeat: NodeJS.Timeout | undefined;
  #socketCount = 0;
  readonly #correlationPrefix = randomUUID().slice(0, 24);
  #correlationCounter = 0;
  /** Channels created since start. */
  created = 0;

  constructor(options: NotificationChannelsOptions, sockets: SocketRegistry, faults: FaultInjector) {
    this.#options = options;
    this.#sockets = sockets;
    this.#faults = faults;
  }

  /**
   * Creates a channel for `clientId`; past 20, the client's oldest channel is removed (sockets closed).
   * @param socketOrigin `ws://host:port` of the emulator
   */
  create(clientId: string, socketOrigin: string): Channel {
    const owned = this.#byClient.get(clientId) ?? [];
    while (owned.length >= MAX_CHANNELS_PER_CLIENT) {
      const oldest = owned[0];
      if (oldest === undefined) break;
      this.#remove(oldest, 1000, 'channel removed: too many channels for this client');
    }
    const id = randomUUID();
    const expiresAt = Date.now() + this.#options.channelLifetimeMs;
    const channel: ChannelState = {
      id,
      clientId,
      expiresAt,
      topics: new Set(),
      sockets: new Set(),
      expiryTimer: undefined,
    };
    // setTimeout overflows past 2^31 - 1 ms (about 24.8 days) and would fire at once.
    channel.expiryTimer = setTimeout(
      () => this.#remove(channel, 1000, 'channel expired'),
      Math.min(this.#options.channelLifetimeMs, 2_147_483_647),
    );
    this.#channels.set(id, channel);
    owned.push(channel);
    this.#byClient.set(clientId, owned);
    this.created += 1;
    return { id, connectUri: `${socketOrigin}/channels/${id}`, expires: new Date(expiresAt).toISOString() };
  }

  /** The channels of `clientId`, oldest first. */
  list(clientId: string, socketOrigin: string): Channel[] {
    return (this.#byClient.get(clientId) ?? []).map((c) => ({
      id: c.id,
      connectUri: `${socketOrigin}/channels/${c.id}`,
      expires: new Date(c.expiresAt).toISOString(),
    }));
  }

  /** The channel `id` if it exists and belongs to `clientId` (undefined otherwise: 404). */
  owned(id: string, clientId: string): ChannelState | undefined {
    const channel = this.#channels.get(id);
    return channel !== undefined && channel.clientId === clientId ? channel : undefined;
  }

  /** The live channel `id`, whoever owns it (sockets carry no auth, as on Genesys). */
  get(id: string): ChannelState | undefined {
    return this.#channels.get(id);
  }

  /**
   * Sets the channel's topics: `add` merges, `replace` replaces.
   * @throws TooManyTopicsError past 1 000 topics (nothing changes)
   */
  subscribe(channel: ChannelState, topics: readonly string[], mode: 'add' | 'replace'): string[] {
    if (mode === 'add') {
      const fresh = new Set(topics.filter((t) => !channel.topics.has(t)));
      if (channel.topics.size + fresh.size > MAX_TOPICS_PER_CHANNEL) {
        throw new TooManyTopicsError(channel.topics.size + fresh.size);
      }
      for (const topic of fresh) {
        channel.topics.add(topic);
        this.#index(channel, topic);
      }
    } else {
      const next = new Set(topics);
      if (next.size > MAX_TOPICS_PER_CHANNEL) throw new TooManyTopicsError(next.size);
      for (const topic of channel.topics) if (!next.has(topic)) this.#unindex(channel, topic);
      for (const topic of next) if (!channel.topics.has(topic)) this.#index(channel, topic);
      channel.topics = next;
    }
    return [...channel.topics];
  }

  /**
   * Every AI event of a conversation to the sockets of the channels of its owner (the client that
   * created it) subscribed to its conversation topic or to its assistant's responses topic.
   */
  publish(conversation: PublishedConversation, event: AiStreamEvent): void {
    const byTopic = this.#byConversation.get(conversation.id);
    const byAssistant = this.#byAssistant.get(conversation.assistantId);
    if (byTopic === undefined && byAssistant === undefined) return;
    const correlation = { CorrelationId: this.#nextCorrelationId() };
    const send = (channels: Set<ChannelState> | undefined, topicName: string): void => {
      if (channels === undefined) return;
      let frame: string | undefined;
      for (const channel of channels) {
        if (channel.clientId !== conversation.clientId || channel.sockets.size === 0) continue;
        frame ??= JSON.stringify({ topicName, version: '2', eventBody: event, metadata: correlation });
        for (const ws of channel.sockets) this.#sockets.send(ws, frame);
      }
    };
    send(byTopic, aiResponseTopic(conversation.id));
    send(byAssistant, assistantResponsesTopic(conversation.assistantId));
  }

  /** True when a channel that would receive the conversation's events has a socket open. */
  hasSubscriber(conversation: PublishedConversation): boolean {
    return this.#receivers(conversation).some((channel) => channel.sockets.size > 0);
  }

  /** Channel sockets carrying the conversation's events. */
  socketsFor(conversation: PublishedConversation): WebSocket[] {
    return this.#receivers(conversation).flatMap((c) => [...c.sockets]);
  }

  #receivers(conversation: PublishedConversation): ChannelState[] {
    const byTopic = this.#byConversation.get(conversation.id) ?? [];
    const byAssistant = [...(this.#byAssistant.get(conversation.assistantId) ?? [])].filter(
      (channel) => channel.clientId === conversation.clientId,
    );
    return [...new Set([...byTopic, ...byAssistant])];
  }

  /** Attaches an accepted socket to its channel: heartbeats, ping/pong, the socket_closing fault. */
  attach(channel: ChannelState, ws: WebSocket): void {
    channel.sockets.add(ws);
    this.#socketCount += 1;
    this.#heartbeat ??= setInterval(() => this.#beat(), this.#options.heartbeatIntervalMs);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      if (isPing(data.toString('utf8'))) this.#sockets.send(ws, PONG_FRAME);
    });
    ws.once('close', () => {
      channel.sockets.delete(ws);
      this.#socketCount -= 1;
      if (this.#socketCount === 0 && this.#heartbeat !== undefined) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = undefined;
      }
    });
    const closingAfter = this.#faults.socketClosingAfterMs();
    if (closingAfter > 0) {
      this.#later(closingAfter, () => {
        if (ws.readyState !== ws.OPEN) return;
        this.#faults.counts.socketClosing += 1;
        this.#sockets.send(ws, SOCKET_CLOSING_FRAME);
        this.#later(SOCKET_CLOSING_GRACE_MS, () => ws.close(1001, 'socket closing'));
      });
    }
  }

  /** `socket_closing` on every channel socket now, each closed after `graceMs`. */
  forceSocketClosing(graceMs: number): void {
    const sockets = [...this.#channels.values()].flatMap((c) => [...c.sockets]);
    for (const ws of sockets) {
      this.#faults.counts.socketClosing += 1;
      this.#sockets.send(ws, SOCKET_CLOSING_FRAME);
    }
    if (sockets.length > 0) {
      this.#later(graceMs, () => {
        for (const ws of sockets) ws.close(1001, 'socket closing');
      });
    }
  }

  /** Every channel expires now: sockets closed, channel gone. */
  expireAll(): void {
    for (const channel of [...this.#channels.values()]) this.#remove(channel, 1000, 'channel expired');
  }

  /** Clears every timer and forgets every channel (sockets are terminated by the registry). */
  close(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const channel of this.#channels.values()) clearTimeout(channel.expiryTimer);
    this.#channels.clear();
    this.#byClient.clear();
    this.#byConversation.clear();
    this.#byAssistant.clear();
  }

  #beat(): void {
    for (const channel of this.#channels.values()) {
      for (const ws of channel.sockets) this.#sockets.send(ws, HEARTBEAT_FRAME);
    }
  }

  #remove(channel: ChannelState, code: number, reason: string): void {
    clearTimeout(channel.expiryTimer);
    this.#channels.delete(channel.id);
    const owned = this.#byClient.get(channel.clientId);
    if (owned !== undefined) {
      const index = owned.indexOf(channel);
      if (index >= 0) owned.splice(index, 1);
      if (owned.length === 0) this.#byClient.delete(channel.clientId);
    }
    for (const topic of channel.topics) this.#unindex(channel, topic);
    for (const ws of [...channel.sockets]) ws.close(code, reason);
  }

  #index(channel: ChannelState, topic: string): void {
    const key = indexKey(topic);
    if (key === undefined) return;
    const index = key.byAssistant ? this.#byAssistant : this.#byConversation;
    let set = index.get(key.id);
    if (set === undefined) {
      set = new Set();
      index.set(key.id, set);
    }
    set.add(channel);
  }

  #unindex(channel: ChannelState, topic: string): void {
    const key = indexKey(topic);
    if (key === undefined) return;
    const index = key.byAssistant ? this.#byAssistant : this.#byConversation;
    const set = index.get(key.id);
    set?.delete(channel);
    if (set?.size === 0) index.delete(key.id);
  }

  /** UUID-shaped and unique per frame, without drawing fresh randomness for each of thousands of frames. */
  #nextCorrelationId(): string {
    this.#correlationCounter += 1;
    return `${this.#correlationPrefix}${this.#correlationCounter.toString(16).padStart(12, '0')}`;
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }
}

/** The index a topic is kept in: by conversation or by assistant; undefined for other topics. */
function indexKey(topic: string): { byAssistant: boolean; id: string } | undefined {
  const conversationId = conversationIdFromTopic(topic);
  if (conversationId !== undefined) return { byAssistant: false, id: conversationId };
  const assistantId = assistantIdFromTopic(topic);
  return assistantId === undefined ? undefined : { byAssistant: true, id: assistantId };
}

function isPing(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as unknown;
    return (
      typeof parsed === 'object' && parsed !== null && (parsed as { message?: unknown }).message === 'ping'
    );
  } catch {
    return false;
  }
}
