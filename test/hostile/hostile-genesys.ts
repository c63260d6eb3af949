/**
 * A hostile stand-in for Genesys on 127.0.0.1: it speaks enough of the protocol (login, create, read,
 * channels, subscriptions, channel and direct sockets) for an injector to run against it, and every
 * answer can be replaced by a script — huge bodies, huge frames, endless chunks, sequence gaps,
 * absurd `Retry-After`s, `connectUri`s pointing elsewhere. Honest conversations stream a known text,
 * so a test can check that the injections sharing a socket with a hostile one still end exactly.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  DIRECT_SOCKET_PATH,
  aiResponseTopic,
  conversationIdFromTopic,
  type AiStreamEvent,
} from '../../src/contract/index.js';

/** One conversation the server created. */
export interface HostileConversation {
  readonly id: string;
  /** 1 for the first conversation created, 2 for the next, ... */
  readonly index: number;
  /** The user message it was created with. */
  readonly prompt: string;
}

/** Where a conversation's events go: every socket subscribed to it. */
export interface FrameSink {
  /** Sends an AI event, wrapped as the transport wants it. */
  event(event: AiStreamEvent): void;
  /** Sends raw data as one frame, as is. */
  raw(data: string | Buffer): void;
  /** Writes raw bytes on the sockets' TCP connections (a frame header claiming any length). */
  rawBytes(data: Buffer): void;
  /** Records that the honest text up to `sequence` is out: conversation reads show it from now on. */
  progress(sequence: number): void;
  /** Records that the honest answer is complete: reads say `completed` from now on. */
  finish(): void;
  /** True while at least one socket carries the conversation. */
  readonly open: boolean;
}

/** What a script may replace; anything it leaves out behaves honestly. */
export interface HostileScript {
  /**
   * Answers an HTTP request instead of the honest handler; return true when it did.
   * The body has been read (up to 1 MiB).
   */
  http?(request: HostileRequest, res: ServerResponse): boolean | Promise<boolean>;
  /** Streams a conversation once a socket subscribed to it (default: `honestStream`). */
  stream?(conversation: HostileConversation, sink: FrameSink): void | Promise<void>;
  /** The `connectUri` handed out for a new channel (default: this server's own). */
  connectUri?(channelId: string, own: string): string;
}

/** One HTTP request as the server saw it. */
export interface HostileRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running hostile server. */
export interface HostileGenesys {
  baseUrl: string;
  port: number;
  /** Every HTTP request so far. */
  requests: HostileRequest[];
  /** The honest answer text of a conversation. */
  textOf(conversationId: string): string;
  /** Conversations created so far, by id. */
  conversations: Map<string, HostileConversation>;
  close(): Promise<void>;
}

const ASSISTANT_PATH = /^\/api\/v2\/ai\/assistants\/([^/]+)\/conversations(?:\/([^/]+))?$/;
const SUBSCRIPTIONS_PATH = /^\/api\/v2\/notifications\/channels\/([^/]+)\/subscriptions$/;

/** The honest answer of a conversation: short, distinct per conversation, in 4 chunks. */
export function honestChunks(conversationId: string): string[] {
  return [`Answer `, `for ${conversationId}: `, 'all ', 'good.'];
}

/** Streams the honest answer, one chunk per turn of the event loop, then completes. */
export async function honestStream(conversation: HostileConversation, sink: FrameSink): Promise<void> {
  const chunks = honestChunks(conversation.id);
  for (const [i, content] of chunks.entries()) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    sink.progress(i + 1);
    sink.event({
      type: 'aiResponseChunk',
      data: { conversationId: conversation.id, sequence: i + 1, content },
    });
  }
  sink.finish();
  sink.event({
    type: 'aiResponseComplete',
    data: {
      conversationId: conversation.id,
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: chunks.length },
      safetyPolicyTriggered: false,
    },
  });
}

/**
 * Starts the server.
 * @param script what to do differently from an honest server
 */
export async function startHostileGenesys(script: HostileScript = {}): Promise<HostileGenesys> {
  const requests: HostileRequest[] = [];
  const conversations = new Map<string, HostileConversation>();
  /** conversationId -> how far the honest stream has gone (for reads). */
  const sent = new Map<string, number>();
  const channels = new Map<string, { topics: Set<string>; sockets: Set<WebSocket> }>();
  const direct = new Map<WebSocket, Set<string>>();
  const started = new Set<string>();
  const finished = new Set<string>();
  const sockets = new Set<WebSocket>();
  let channelCount = 0;
  let origin = '';

  const socketsFor = (conversationId: string): Array<{ ws: WebSocket; wrap: boolean }> => {
    const found: Array<{ ws: WebSocket; wrap: boolean }> = [];
    for (const channel of channels.values()) {
      if (!channel.topics.has(aiResponseTopic(conversationId))) continue;
      for (const ws of channel.sockets) found.push({ ws, wrap: true });
    }
    for (const [ws, ids] of direct) if (ids.has(conversationId)) found.push({ ws, wrap: false });
    return found;
  };

  const sinkFor = (conversationId: string): FrameSink => ({
    event(event) {
      for (const { ws, wrap } of socketsFor(conversationId)) {
        if (ws.readyState !== ws.OPEN) continue;
        ws.send(
          JSON.stringify(
            wrap
              ? { topicName: aiResponseTopic(conversationId), version: '2', eventBody: event, metadata: {} }
              : event,
          ),
        );
      }
    },
    raw(data) {
      for (const { ws } of socketsFor(conversationId)) if (ws.readyState === ws.OPEN) ws.send(data);
    },
    rawBytes(data) {
      for (const { ws } of socketsFor(conversationId)) {
        (ws as unknown as { _socket: { write(data: Buffer): void } })._socket.write(data);
      }
    },
    progress(sequence) {
      sent.set(conversationId, sequence);
    },
    finish() {
      finished.add(conversationId);
    },
    get open() {
      return socketsFor(conversationId).some(({ ws }) => ws.readyState === ws.OPEN);
    },
  });

  const startStream = (conversationId: string): void => {
    const conversation = conversations.get(conversationId);
    if (conversation === undefined || started.has(conversationId)) return;
    started.add(conversationId);
    void Promise.resolve((script.stream ?? honestStream)(conversation, sinkFor(conversationId))).catch(
      () => undefined,
    );
  };

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const honest = (request: HostileRequest, res: ServerResponse): void => {
    const { method, path } = request;
    if (method === 'POST' && path === '/oauth/token') {
      json(res, 200, { access_token: 'hostile-token', token_type: 'bearer', expires_in: 86_399 });
      return;
    }
    const conversationRoute = ASSISTANT_PATH.exec(path);
    if (conversationRoute !== null && method === 'POST' && conversationRoute[2] === undefined) {
      const parsed = JSON.parse(request.body) as { messages?: Array<{ role: string; content: string }> };
      const index = conversations.size + 1;
      const id = `conv-${index}`;
      const prompt = parsed.messages?.filter((m) => m.role === 'user').at(-1)?.content ?? '';
      conversations.set(id, { id, index, prompt });
      json(res, 201, {
        id,
        assistantId: conversationRoute[1],
        status: 'queued',
        createdAt: new Date().toISOString(),
      });
      return;
    }
    if (conversationRoute?.[2] !== undefined && method === 'GET') {
      const id = conversationRoute[2];
      const upTo = sent.get(id) ?? 0;
      const done = finished.has(id);
      json(res, 200, {
        id,
        assistantId: conversationRoute[1],
        status: done ? 'completed' : upTo === 0 ? 'queued' : 'streaming',
        createdAt: new Date().toISOString(),
        response: {
          text: honestChunks(id).slice(0, upTo).join(''),
          sequence: upTo,
          finishReason: done ? 'stop' : null,
        },
        usage: { promptTokens: 10, completionTokens: upTo },
        safetyPolicyTriggered: false,
      });
      return;
    }
    if (method === 'POST' && path === '/api/v2/notifications/channels') {
      channelCount += 1;
      const id = `channel-${channelCount}`;
      channels.set(id, { topics: new Set(), sockets: new Set() });
      const own = `${origin}/channels/${id}`;
      json(res, 200, {
        id,
        connectUri: script.connectUri ? script.connectUri(id, own) : own,
        expires: new Date(Date.now() + 86_400_000).toISOString(),
      });
      return;
    }
    const subscriptions = SUBSCRIPTIONS_PATH.exec(path);
    if (subscriptions !== null && (method === 'POST' || method === 'PUT')) {
      const channel = channels.get(subscriptions[1] ?? '');
      if (channel === undefined) {
        json(res, 404, { message: 'no channel', code: 'not.found', status: 404, details: [], errors: [] });
        return;
      }
      const topics = (JSON.parse(request.body) as Array<{ id: string }>).map((t) => t.id);
      // Like an organisation without this product's assistant topic: only conversation topics exist.
      if (topics.some((topic) => conversationIdFromTopic(topic) === undefined)) {
        json(res, 400, {
          message: 'invalid topic',
          code: 'bad.request',
          status: 400,
          details: [],
          errors: [],
        });
        return;
      }
      if (method === 'PUT') channel.topics = new Set(topics);
      else for (const topic of topics) channel.topics.add(topic);
      json(res, 200, { entities: [...channel.topics].map((id) => ({ id })) });
      for (const topic of topics) {
        const conversationId = conversationIdFromTopic(topic);
        if (conversationId !== undefined) startStream(conversationId);
      }
      return;
    }
    json(res, 404, {
      message: `no route ${method} ${path}`,
      code: 'not.found',
      status: 404,
      details: [],
      errors: [],
    });
  };

  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size <= 1024 * 1024) parts.push(part);
    });
    req.on('end', () => {
      const request: HostileRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        headers: req.headers,
        body: Buffer.concat(parts).toString('utf8'),
      };
      requests.push(request);
      res.on('error', () => undefined);
      void Promise.resolve(script.http?.(request, res) ?? false)
        .then((handled) => {
          if (!handled) honest(request, res);
        })
        .catch(() => res.destroy());
    });
  });
  const wss = new WebSocketServer({ noServer: true, clientTracking: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const channelId = /^\/channels\/([^/]+)$/.exec(path)?.[1];
    const channel = channelId === undefined ? undefined : channels.get(channelId);
    if (channel === undefined && path !== DIRECT_SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('error', () => ws.terminate());
      ws.once('close', () => {
        sockets.delete(ws);
        channel?.sockets.delete(ws);
        direct.delete(ws);
      });
      if (channel !== undefined) {
        channel.sockets.add(ws);
        return;
      }
      const ids = new Set<string>();
      direct.set(ws, ids);
      ws.on('message', (data: Buffer) => {
        let message: { type?: string; data?: { conversationId?: string } };
        try {
          message = JSON.parse(data.toString('utf8')) as typeof message;
        } catch {
          return;
        }
        const conversationId = message.data?.conversationId;
        if (message.type !== 'subscribe' || conversationId === undefined) return;
        ids.add(conversationId);
        ws.send(JSON.stringify({ type: 'subscribed', data: { conversationId } }));
        startStream(conversationId);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `ws://127.0.0.1:${port}`;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    requests,
    conversations,
    textOf: (id) => honestChunks(id).join(''),
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Writes an endless (or `totalBytes` long) JSON-looking body, honouring back-pressure, until the
 * client goes away. Never holds more than one 64 KiB piece.
 */
export function streamHugeBody(
  res: ServerResponse,
  status: number,
  totalBytes = Number.POSITIVE_INFINITY,
): void {
  const piece = Buffer.alloc(64 * 1024, 0x61);
  res.writeHead(status, { 'content-type': 'text/plain' });
  let written = 0;
  const pump = (): void => {
    while (written < totalBytes && !res.destroyed) {
      written += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}
