/**
 * Shared bits of the emulator tests: start an emulator that `stopAll()` closes, log in, call the API
 * with plain fetch, and open sockets that collect their frames.
 */
import WebSocket from 'ws';
import {
  SEED_ASSISTANT_ID,
  conversationPath,
  conversationsPath,
  type ConversationCreateRequest,
} from '../../src/contract/index.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';

export const ASSISTANT = SEED_ASSISTANT_ID;

const running = new Set<Emulator>();
const sockets = new Set<WebSocket>();

/** Starts an emulator (fast chunks, no rate limit unless given) that `stopAll()` closes. */
export async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({
    firstChunkDelayMs: 5,
    chunkIntervalMs: 2,
    rateLimit: false,
    ...options,
  });
  running.add(emulator);
  return emulator;
}

/** Closes every socket and emulator the tests opened (call in afterEach). */
export async function stopAll(): Promise<void> {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
  await Promise.all([...running].map((e) => e.close()));
  running.clear();
}

/** `POST /oauth/token` with Basic auth; the raw answer. */
export async function tokenRequest(
  emulator: Emulator,
  clientId: string,
  clientSecret: string,
  body = 'grant_type=client_credentials',
): Promise<Response> {
  return fetch(`${emulator.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body,
  });
}

/** Logs in and returns the access token. */
export async function login(
  emulator: Emulator,
  clientId = emulator.clientId,
  clientSecret = emulator.clientSecret,
): Promise<string> {
  const answer = await tokenRequest(emulator, clientId, clientSecret);
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status}`);
  return ((await answer.json()) as { access_token: string }).access_token;
}

/** An API answer: status, headers and parsed JSON body. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Calls the API with a bearer token; `body` is sent as JSON unless it is a string. */
export async function api(
  emulator: Emulator,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const answer = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, headers: answer.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** Calls a control endpoint (`/__emulator/*`) with the emulator's control token. */
export function control(
  emulator: Emulator,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${emulator.controlToken ?? ''}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

/** A valid create body for `content`. */
export function createBody(
  content: string,
  settings: Partial<ConversationCreateRequest['settings']> = {},
  assistantId = ASSISTANT,
): ConversationCreateRequest {
  return {
    assistantId,
    messages: [
      { role: 'system', content: 'You are a helpful contact-centre assistant.' },
      { role: 'user', content },
    ],
    settings: { maxTokens: 2048, temperature: 0.2, safetyPolicy: 'strict', ...settings },
  };
}

/** Creates a conversation; returns its id (throws on a non-201). */
export async function createConversation(
  emulator: Emulator,
  token: string,
  content = 'What is the refund policy for annual subscriptions?',
  settings: Partial<ConversationCreateRequest['settings']> = {},
  headers: Record<string, string> = {},
): Promise<string> {
  const answer = await api(
    emulator,
    token,
    'POST',
    conversationsPath(ASSISTANT),
    createBody(content, settings),
    headers,
  );
  if (answer.status !== 201)
    throw new Error(`create failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { id: string }).id;
}

/** Reads a conversation (4.4). */
export async function readConversation(emulator: Emulator, token: string, id: string): Promise<ApiAnswer> {
  return api(emulator, token, 'GET', conversationPath(ASSISTANT, id));
}

/** A socket that records every text frame it receives and whether it closed. */
export interface CollectingSocket {
  ws: WebSocket;
  frames: string[];
  /** Parsed frames (garbage frames skipped). */
  json(): unknown[];
  closed: boolean;
  closeCode: number | undefined;
}

/** Opens a socket (closed by `stopAll`), resolving once it is open. */
export async function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<CollectingSocket> {
  const ws = new WebSocket(url, { headers });
  sockets.add(ws);
  const socket: CollectingSocket = {
    ws,
    frames: [],
    json: () =>
      socket.frames.flatMap((frame) => {
        try {
          return [JSON.parse(frame) as unknown];
        } catch {
          return [];
        }
      }),
    closed: false,
    closeCode: undefined,
  };
  ws.on('message', (data: Buffer) => socket.frames.push(data.toString('utf8')));
  ws.on('close', (code: number) => {
    socket.closed = true;
    socket.closeCode = code;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return socket;
}

/** The HTTP status a refused upgrade answered with. */
export async function refusedUpgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<number> {
  const ws = new WebSocket(url, { headers });
  sockets.add(ws);
  return new Promise<number>((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('upgrade was accepted')));
    ws.once('error', () => undefined);
  });
}

/**
 * Waits until `condition` holds, polling every 5 ms. `timeoutMs` only guards against a hang (a loaded
 * machine may take long); no test's verdict depends on how long the wait took.
 */
export async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Frames of `socket` whose parsed JSON has `eventBody.type` (channels) or `type` (direct) = `type`. */
export function eventsOf(
  socket: CollectingSocket,
  type: string,
): Array<{ type: string; data: Record<string, unknown> }> {
  return socket
    .json()
    .map((f) => {
      const frame = f as { eventBody?: { type?: string }; type?: string };
      return (frame.eventBody?.type !== undefined ? frame.eventBody : frame) as {
        type: string;
        data: Record<string, unknown>;
      };
    })
    .filter((e) => e.type === type);
}
