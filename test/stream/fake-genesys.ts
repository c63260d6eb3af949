/**
 * A small in-process stand-in for the streaming side of Genesys (direct socket, notification channels,
 * conversation reads) for the stream tests, on 127.0.0.1. Its backend is called in process (no REST),
 * and counts every call so tests can assert requests per injection.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Channel, Conversation, StreamBackend } from '../../src/stream/index.js';
import { aiResponseTopic, assistantResponsesTopic, type AiStreamEvent } from '../../src/contract/index.js';
import { BadRequestError } from '../../src/errors.js';

/** The one assistant every conversation of the fake belongs to. */
export const FAKE_ASSISTANT = 'a1';

interface FakeConversation {
  chunks: string[];
  sent: number;
  done: boolean;
  error?: { code: string; message: string };
  timer?: NodeJS.Timeout;
}

interface FakeChannel {
  id: string;
  topics: Set<string>;
  sockets: Set<WebSocket>;
  expires: number;
}

/** Options of the fake. */
export interface FakeGenesysOptions {
  heartbeatIntervalMs?: number;
  chunkIntervalMs?: number;
  firstChunkDelayMs?: number;
  channelLifetimeMs?: number;
  /**
   * Holds each conversation before its first chunk until a socket is subscribed to it (as the
   * emulator's option of that name), so a test that counts what a socket saw (malformed frames, a drop
   * after so many chunks) does not depend on subscribing within the first chunk's delay.
   */
  holdFirstChunkUntilSubscribed?: boolean;
  /** Added to the `expires` a channel reports (not to when it really expires), as a skewed server clock. */
  reportedExpiresOffsetMs?: number;
  /** Serve the assistant responses topic of `FAKE_ASSISTANT` (default true); false refuses it with 400. */
  assistantTopic?: boolean;
}

/** A running fake. */
export interface FakeGenesys {
  backend: StreamBackend;
  /** `getAccessToken` counts tokens issued (the backend caches one until it is invalidated). */
  calls: {
    createChannel: number;
    addSubscriptions: number;
    replaceSubscriptions: number;
    getConversation: number;
    getAccessToken: number;
  };
  /** Starts a conversation streaming `chunks`. */
  startConversation(
    id: string,
    chunks: string[],
    options?: { error?: { code: string; message: string } },
  ): void;
  text(id: string): string;
  /** Whether the conversation has sent its last event. */
  finished(id: string): boolean;
  /** Chunks of the conversation published so far. */
  chunksSent(id: string): number;
  /** Drops every socket once this many chunks in total were sent. */
  dropAfterChunks(n: number): void;
  /** Sends a garbage frame before every `every`-th frame. */
  malformedEvery(every: number): void;
  /** Stops all output on the sockets open now (heartbeats included) without closing them. */
  goSilent(): void;
  /** Sends `v2.system.socket_closing` on every channel socket, closes them after `graceMs`. */
  socketClosing(graceMs: number): void;
  /** Tokens issued so far stop working on the direct upgrade. */
  expireTokens(): void;
  openSockets(): number;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port. */
export async function startFakeGenesys(options: FakeGenesysOptions = {}): Promise<FakeGenesys> {
  const chunkIntervalMs = options.chunkIntervalMs ?? 2;
  const conversations = new Map<string, FakeConversation>();
  const channels = new Map<string, FakeChannel>();
  const direct = new Map<WebSocket, Set<string>>();
  const validTokens = new Set<string>();
  const calls = {
    createChannel: 0,
    addSubscriptions: 0,
    replaceSubscriptions: 0,
    getConversation: 0,
    getAccessToken: 0,
  };
  let tokenCounter = 0;
  let currentToken: string | undefined;
  let channelCounter = 0;
  let totalChunks = 0;
  let dropAt = Number.POSITIVE_INFINITY;
  let malformedEvery = 0;
  let frames = 0;
  const silentSockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  const timers = new Set<NodeJS.Timeout>();

  const send = (ws: WebSocket, body: unknown): void => {
    if (silentSockets.has(ws) || ws.readyState !== ws.OPEN) return;
    frames += 1;
    if (malformedEvery > 0 && frames % malformedEvery === 0) ws.send('{"topicName": garbage');
    ws.send(JSON.stringify(body));
  };
  const publish = (conversationId: string, event: AiStreamEvent): void => {
    for (const [ws, subs] of direct) if (subs.has(conversationId)) send(ws, event);
    const topic = aiResponseTopic(conversationId);
    const assistantTopic = assistantResponsesTopic(FAKE_ASSISTANT);
    for (const channel of channels.values()) {
      for (const topicName of [topic, assistantTopic]) {
        if (!channel.topics.has(topicName)) continue;
        for (const ws of channel.sockets)
          send(ws, { topicName, version: '2', eventBody: event, metadata: {} });
      }
    }
  };
  const allSockets = (): WebSocket[] => [
    ...direct.keys(),
    ...[...channels.values()].flatMap((c) => [...c.sockets]),
  ];
  const subscribed = (conversationId: string): boolean => {
    for (const [ws, subs] of direct) if (subs.has(conversationId) && ws.readyState === ws.OPEN) return true;
    const topics = [aiResponseTopic(conversationId), assistantResponsesTopic(FAKE_ASSISTANT)];
    for (const channel of channels.values())
      if (topics.some((topic) => channel.topics.has(topic)) && channel.sockets.size > 0) return true;
    return false;
  };
  const tick = (id: string): void => {
    const conv = conversations.get(id)!;
    if (options.holdFirstChunkUntilSubscribed === true && conv.sent === 0 && !subscribed(id)) {
      conv.timer = later(() => tick(id), chunkIntervalMs);
      return;
    }
    if (conv.error !== undefined && conv.sent === Math.floor(conv.chunks.length / 2)) {
      conv.done = true;
      publish(id, { type: 'aiResponseError', data: { conversationId: id, ...conv.error } });
      return;
    }
    if (conv.sent < conv.chunks.length) {
      conv.sent += 1;
      publish(id, {
        type: 'aiResponseChunk',
        data: { conversationId: id, sequence: conv.sent, content: conv.chunks[conv.sent - 1]! },
      });
      totalChunks += 1;
      if (totalChunks === dropAt) for (const ws of allSockets()) ws.terminate();
      conv.timer = later(() => tick(id), chunkIntervalMs);
      return;
    }
    conv.done = true;
    publish(id, {
      type: 'aiResponseComplete',
      data: {
        conversationId: id,
        finishReason: 'stop',
        usage: { promptTokens: 5, completionTokens: conv.sent },
        safetyPolicyTriggered: false,
      },
    });
  };
  const later = (fn: () => void, ms: number): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const heartbeat = setInterval(() => {
    for (const channel of channels.values()) {
      for (const ws of channel.sockets)
        send(ws, { topicName: 'channel.metadata', eventBody: { message: 'WebSocket Heartbeat' } });
    }
  }, options.heartbeatIntervalMs ?? 50);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = req.url ?? '';
    if (url === '/api/v2/conversations') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!validTokens.has(token)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const subs = new Set<string>();
        direct.set(ws, subs);
        ws.on('close', () => direct.delete(ws));
        ws.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString()) as { type: string; data: { conversationId: string } };
          if (message.type === 'subscribe') {
            subs.add(message.data.conversationId);
            send(ws, { type: 'subscribed', data: { conversationId: message.data.conversationId } });
          } else subs.delete(message.data.conversationId);
        });
      });
      return;
    }
    const channel = channels.get(url.replace('/channels/', ''));
    if (channel === undefined || channel.expires < Date.now()) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      channel.sockets.add(ws);
      ws.on('close', () => channel.sockets.delete(ws));
      ws.on('message', (data: Buffer) => {
        if ((JSON.parse(data.toString()) as { message?: string }).message === 'ping') {
          send(ws, { topicName: 'channel.metadata', eventBody: { message: 'pong' } });
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const aborted = (signal?: { aborted: boolean }): void => {
    if (signal?.aborted) throw new Error('aborted');
  };
  const backend: StreamBackend = {
    socketBaseUrl: `ws://127.0.0.1:${port}`,
    // Cached until invalidated, as a real token provider does.
    async getAccessToken() {
      if (currentToken === undefined) {
        calls.getAccessToken += 1;
        currentToken = `token-${++tokenCounter}`;
        validTokens.add(currentToken);
      }
      return currentToken;
    },
    invalidateToken(token) {
      if (token === currentToken) currentToken = undefined;
    },
    async createChannel(signal): Promise<Channel> {
      aborted(signal);
      calls.createChannel += 1;
      const id = `ch-${++channelCounter}`;
      const expires = Date.now() + (options.channelLifetimeMs ?? 86_400_000);
      channels.set(id, { id, topics: new Set(), sockets: new Set(), expires });
      return {
        id,
        connectUri: `ws://127.0.0.1:${port}/channels/${id}`,
        expires: new Date(expires + (options.reportedExpiresOffsetMs ?? 0)).toISOString(),
      };
    },
    async addSubscriptions(channelId, topics, signal) {
      aborted(signal);
      calls.addSubscriptions += 1;
      if (options.assistantTopic === false && topics.some((t) => t.startsWith('v2.ai.assistants.'))) {
        throw new BadRequestError('invalid topic', { status: 400 });
      }
      const channel = channels.get(channelId)!;
      for (const topic of topics) channel.topics.add(topic);
      if (channel.topics.size > 1000) throw new Error('too many topics');
    },
    async replaceSubscriptions(channelId, topics, signal) {
      aborted(signal);
      calls.replaceSubscriptions += 1;
      channels.get(channelId)!.topics = new Set(topics);
    },
    async getConversation(assistantId, conversationId, signal): Promise<Conversation> {
      aborted(signal);
      calls.getConversation += 1;
      const conv = conversations.get(conversationId)!;
      const failed = conv.done && conv.error !== undefined;
      return {
        id: conversationId,
        assistantId,
        status: failed ? 'failed' : conv.done ? 'completed' : conv.sent > 0 ? 'streaming' : 'queued',
        createdAt: new Date().toISOString(),
        response: {
          text: conv.chunks.slice(0, conv.sent).join(''),
          sequence: conv.sent,
          finishReason: conv.done && !failed ? 'stop' : null,
        },
        usage: { promptTokens: 5, completionTokens: conv.sent },
        safetyPolicyTriggered: false,
      };
    },
  };

  return {
    backend,
    calls,
    startConversation(id, chunks, extra = {}) {
      const conv: FakeConversation = { chunks, sent: 0, done: false, error: extra.error };
      conversations.set(id, conv);
      conv.timer = later(() => tick(id), options.firstChunkDelayMs ?? 20);
    },
    text: (id) => conversations.get(id)!.chunks.join(''),
    finished: (id) => conversations.get(id)?.done === true,
    chunksSent: (id) => conversations.get(id)?.sent ?? 0,
    dropAfterChunks(n) {
      dropAt = totalChunks + n;
    },
    malformedEvery(every) {
      malformedEvery = every;
    },
    goSilent() {
      for (const ws of allSockets()) silentSockets.add(ws);
    },
    socketClosing(graceMs) {
      for (const channel of channels.values()) {
        for (const ws of channel.sockets) {
          send(ws, { topicName: 'v2.system.socket_closing', eventBody: {} });
          later(() => ws.close(), graceMs);
        }
      }
    },
    expireTokens() {
      validTokens.clear();
    },
    openSockets: () => allSockets().length,
    async close() {
      clearInterval(heartbeat);
      for (const timer of timers) clearTimeout(timer);
      for (const ws of allSockets()) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
