/**
 * The limit: a minimal correct client written from the wire contract (docs/protocol.md) and nothing
 * else of this repository — raw `ws` and keep-alive `node:http` with a bounded agent, no SDK, no
 * pipeline, no schemas, no retries, no pacing, no telemetry. The benchmarks run it side by side with
 * the library to show the cost the library adds.
 *
 * One login (client credentials). One notification channel and its socket. By default (the
 * contract's cheapest path) each assistant's responses topic is subscribed once, before its first
 * create, and a conversation needs no request but its create; its events may come before the create
 * answers and wait until it does. With `topic: 'conversation'` a conversation's own topic is
 * subscribed right after its create returns (one request each); when a channel holds its 1,000
 * topics the next conversations go to a new channel, and a full channel's socket closes once its last
 * conversation ends (so 10,000 concurrent streams use 10 sockets, never more than the service's 20
 * channels). Sequence numbers start at 1 without gaps and one socket keeps their order, so a
 * conversation whose first event is chunk 1 has lost nothing and is never read; the conversation is
 * read only when the first event shows chunk 1 was missed (a later chunk, or the end), or when nothing
 * arrives within `quietReadMs` of the subscription (the whole answer may have ended before it). The
 * read's text is kept and only chunks past its `sequence` are added. The text returned is exactly
 * the server's.
 *
 * What it leaves out (a library needs them, a bench run does not): token refresh, retries, 429
 * pacing, heartbeat watchdog, reconnects and `socket_closing`, limits on frame and body sizes.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

/** Options of `MinimalClient.open`. */
export interface MinimalClientOptions {
  /** `http://host:port` of the emulator (login, REST and sockets on one origin). */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Keep-alive connections at most (default 64). */
  maxSockets?: number;
  /** Read the conversation when nothing arrived this long after the subscription (default 500 ms). */
  quietReadMs?: number;
  /**
   * `assistant` (default): one subscription per assistant to its responses topic, before its first
   * create, and none per conversation; `conversation`: one topic per conversation after its create.
   */
  topic?: 'assistant' | 'conversation';
}

/** One finished answer. */
export interface MinimalAnswer {
  conversationId: string;
  text: string;
  finishReason: string;
}

/** Counters of what the client did. */
export interface MinimalStats {
  requests: number;
  /** Conversations whose subscription is active. */
  subscribed: number;
  reads: number;
  channels: number;
}

const TOPICS_PER_CHANNEL = 1000;
const assistantTopicOf = (assistantId: string): string => `v2.ai.assistants.${assistantId}.responses`;
const topicOf = (conversationId: string): string =>
  `v2.conversations.${conversationId}.aiassistant.responses`;

interface Reply {
  status: number;
  body: string;
}

interface ChannelSocket {
  id: string;
  ws: WebSocket;
  topics: number;
  live: number;
}

/** One conversation being answered. */
interface Answer {
  assistantId: string;
  channel: ChannelSocket;
  text: string;
  /** Last sequence in `text`; -1 before anything is known. */
  sequence: number;
  /** A read is under way: events wait in `held`. */
  reading: boolean;
  held: Array<{ type: string; data: Record<string, unknown> }>;
  quiet: NodeJS.Timeout | undefined;
  onChunk: ((sequence: number, content: string) => void) | undefined;
  resolve(answer: MinimalAnswer): void;
  reject(error: Error): void;
}

/** The minimal client. */
export class MinimalClient {
  readonly stats: MinimalStats = { requests: 0, subscribed: 0, reads: 0, channels: 0 };
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #quietReadMs: number;
  readonly #perAssistant: boolean;
  /** Assistant topics subscribed (or being subscribed), by assistant. */
  readonly #assistantTopics = new Map<string, Promise<void>>();
  /** Events of conversations whose create has not answered yet (assistant topic only). */
  readonly #early = new Map<string, Array<{ type: string; data: Record<string, unknown> }>>();
  readonly #answers = new Map<string, Answer>();
  readonly #channels = new Set<ChannelSocket>();
  #token = '';
  #channel: Promise<ChannelSocket> | undefined;

  private constructor(options: MinimalClientOptions) {
    this.#base = new URL(options.baseUrl);
    this.#agent = new http.Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 64,
      scheduling: 'lifo',
    });
    this.#quietReadMs = options.quietReadMs ?? 500;
    this.#perAssistant = (options.topic ?? 'assistant') === 'assistant';
  }

  /**
   * Logs in and opens the first channel.
   * @param options environment, credentials, pool size
   */
  static async open(options: MinimalClientOptions): Promise<MinimalClient> {
    const client = new MinimalClient(options);
    const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
    const login = await client.#send('POST', '/oauth/token', 'grant_type=client_credentials', {
      Authorization: `Basic ${basic}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    if (login.status !== 200) throw new Error(`login answered ${login.status}`);
    client.#token = (JSON.parse(login.body) as { access_token: string }).access_token;
    await client.#currentChannel();
    return client;
  }

  /**
   * Creates a conversation with `body` (the create request's exact bytes) and resolves with its answer.
   * @param assistantId the assistant in the path
   * @param body the JSON body, sent as is
   * @param onChunk sees each chunk in order, as it is applied
   */
  async inject(
    assistantId: string,
    body: Buffer,
    onChunk?: (sequence: number, content: string) => void,
  ): Promise<MinimalAnswer> {
    if (this.#perAssistant) await this.#subscribeAssistant(assistantId);
    const created = await this.#api('POST', `/api/v2/ai/assistants/${assistantId}/conversations`, body, {
      'Idempotency-Key': randomUUID(),
    });
    if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.body}`);
    const conversationId = (JSON.parse(created.body) as { id: string }).id;
    const channel = await this.#currentChannel();
    if (!this.#perAssistant) channel.topics += 1;
    channel.live += 1;
    const done = new Promise<MinimalAnswer>((resolve, reject) => {
      this.#answers.set(conversationId, {
        assistantId,
        channel,
        text: '',
        sequence: -1,
        reading: false,
        held: [],
        quiet: undefined,
        onChunk,
        resolve,
        reject,
      });
    });
    if (this.#perAssistant) {
      this.stats.subscribed += 1;
      const early = this.#early.get(conversationId) ?? [];
      this.#early.delete(conversationId);
      for (const event of early) this.#onEvent(event.type, event.data);
    } else {
      const subscribed = await this.#subscribe(channel, topicOf(conversationId));
      if (subscribed.status === 200) this.stats.subscribed += 1;
      else
        this.#fail(conversationId, new Error(`subscribe answered ${subscribed.status}: ${subscribed.body}`));
    }
    const answer = this.#answers.get(conversationId);
    if (answer !== undefined && answer.sequence < 0 && !answer.reading) {
      answer.quiet = setTimeout(() => void this.#read(conversationId), this.#quietReadMs);
    }
    return done;
  }

  /** Subscribes the assistant's responses topic once, before its first create. */
  #subscribeAssistant(assistantId: string): Promise<void> {
    let subscribing = this.#assistantTopics.get(assistantId);
    if (subscribing === undefined) {
      subscribing = (async () => {
        const reply = await this.#subscribe(await this.#currentChannel(), assistantTopicOf(assistantId));
        if (reply.status !== 200) throw new Error(`assistant topic answered ${reply.status}: ${reply.body}`);
      })();
      this.#assistantTopics.set(assistantId, subscribing);
    }
    return subscribing;
  }

  #subscribe(channel: ChannelSocket, topic: string): Promise<Reply> {
    const body = Buffer.from(JSON.stringify([{ id: topic }]));
    return this.#api('POST', `/api/v2/notifications/channels/${channel.id}/subscriptions`, body).catch(
      (error: Error) => ({ status: 0, body: error.message }),
    );
  }

  /** Closes every socket and keep-alive connection; answers not finished are left pending. */
  close(): void {
    for (const answer of this.#answers.values()) clearTimeout(answer.quiet);
    for (const channel of this.#channels) channel.ws.terminate();
    this.#agent.destroy();
  }

  #onEvent(type: string, data: Record<string, unknown>): void {
    const conversationId = data['conversationId'];
    if (typeof conversationId !== 'string') return;
    const answer = this.#answers.get(conversationId);
    if (answer === undefined) {
      // On the assistant topic a conversation's events may come before its create answers.
      if (this.#perAssistant) {
        const early = this.#early.get(conversationId) ?? [];
        early.push({ type, data });
        this.#early.set(conversationId, early);
      }
      return;
    }
    clearTimeout(answer.quiet);
    if (answer.reading) {
      answer.held.push({ type, data });
      return;
    }
    const missedStart = answer.sequence < 0 && !(type === 'aiResponseChunk' && data['sequence'] === 1);
    if (missedStart) {
      answer.held.push({ type, data });
      void this.#read(conversationId);
      return;
    }
    this.#apply(conversationId, answer, type, data);
  }

  #apply(conversationId: string, answer: Answer, type: string, data: Record<string, unknown>): void {
    if (type === 'aiResponseChunk') {
      const sequence = data['sequence'];
      const content = data['content'];
      if (typeof sequence !== 'number' || typeof content !== 'string' || sequence <= answer.sequence) return;
      if (sequence !== Math.max(answer.sequence, 0) + 1) {
        this.#fail(conversationId, new Error(`chunk ${sequence} after ${answer.sequence}: a gap`));
        return;
      }
      answer.text += content;
      answer.sequence = sequence;
      answer.onChunk?.(sequence, content);
    } else if (type === 'aiResponseComplete') {
      this.#finish(conversationId, answer, String(data['finishReason']));
    } else if (type === 'aiResponseError') {
      this.#fail(conversationId, new Error(`${String(data['code'])}: ${String(data['message'])}`));
    }
  }

  /** Reads the conversation once, then applies the events that came meanwhile past its sequence. */
  async #read(conversationId: string): Promise<void> {
    const answer = this.#answers.get(conversationId);
    if (answer === undefined || answer.reading) return;
    answer.reading = true;
    this.stats.reads += 1;
    const path = `/api/v2/ai/assistants/${answer.assistantId}/conversations/${conversationId}`;
    const reply = await this.#api('GET', path).catch((error: Error) => ({ status: 0, body: error.message }));
    if (reply.status !== 200) {
      this.#fail(conversationId, new Error(`read answered ${reply.status}`));
      return;
    }
    const read = JSON.parse(reply.body) as {
      status: string;
      response: { text: string; sequence: number; finishReason: string | null };
    };
    answer.reading = false;
    if (read.response.sequence > answer.sequence) {
      answer.text = read.response.text;
      answer.sequence = read.response.sequence;
      if (read.response.sequence > 0) answer.onChunk?.(read.response.sequence, read.response.text);
    } else if (answer.sequence < 0) answer.sequence = 0;
    if (read.status === 'failed') {
      this.#fail(conversationId, new Error('the conversation failed'));
      return;
    }
    if (read.status === 'completed' && read.response.finishReason !== null) {
      this.#finish(conversationId, answer, read.response.finishReason);
      return;
    }
    const held = answer.held.splice(0);
    for (const event of held) {
      if (this.#answers.get(conversationId) !== answer) return;
      this.#apply(conversationId, answer, event.type, event.data);
    }
  }

  #finish(conversationId: string, answer: Answer, finishReason: string): void {
    this.#forget(conversationId, answer);
    answer.resolve({ conversationId, text: answer.text, finishReason });
  }

  #fail(conversationId: string, error: Error): void {
    const answer = this.#answers.get(conversationId);
    if (answer === undefined) return;
    this.#forget(conversationId, answer);
    answer.reject(error);
  }

  #forget(conversationId: string, answer: Answer): void {
    clearTimeout(answer.quiet);
    this.#answers.delete(conversationId);
    answer.channel.live -= 1;
    void this.#retireIfDone(answer.channel);
  }

  /** A full channel that is no longer current closes once its last conversation ended. */
  async #retireIfDone(channel: ChannelSocket): Promise<void> {
    if (channel.live > 0 || channel.topics < TOPICS_PER_CHANNEL) return;
    if ((await this.#channel) === channel) return;
    this.#channels.delete(channel);
    channel.ws.close();
  }

  /** The channel new conversations subscribe on: a new one once the current holds its 1,000 topics. */
  #currentChannel(): Promise<ChannelSocket> {
    const current = this.#channel;
    const next = async (previous: ChannelSocket | undefined): Promise<ChannelSocket> => {
      if (previous !== undefined && previous.topics < TOPICS_PER_CHANNEL) return previous;
      const created = await this.#api('POST', '/api/v2/notifications/channels');
      if (created.status !== 200) throw new Error(`channel create answered ${created.status}`);
      const { id, connectUri } = JSON.parse(created.body) as { id: string; connectUri: string };
      const ws = new WebSocket(connectUri, { perMessageDeflate: false });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.on('message', (data: Buffer) => this.#onFrame(data));
      this.stats.channels += 1;
      const channel: ChannelSocket = { id, ws, topics: 0, live: 0 };
      this.#channels.add(channel);
      if (previous !== undefined) void this.#retireIfDone(previous);
      return channel;
    };
    this.#channel = current === undefined ? next(undefined) : current.then(next);
    return this.#channel;
  }

  #onFrame(data: Buffer): void {
    let frame: { topicName?: unknown; eventBody?: { type?: unknown; data?: unknown } };
    try {
      frame = JSON.parse(data.toString('utf8')) as typeof frame;
    } catch {
      return;
    }
    const body = frame.eventBody;
    const topic = frame.topicName;
    if (typeof topic !== 'string') return;
    if (!topic.endsWith('.aiassistant.responses') && !topic.startsWith('v2.ai.assistants.')) return;
    if (typeof body?.type !== 'string' || typeof body.data !== 'object' || body.data === null) return;
    this.#onEvent(body.type, body.data as Record<string, unknown>);
  }

  #api(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Reply> {
    return this.#send(method, path, body, {
      ...headers,
      Authorization: `Bearer ${this.#token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    });
  }

  #send(
    method: string,
    path: string,
    body: Buffer | string | undefined,
    headers: Record<string, string>,
  ): Promise<Reply> {
    this.stats.requests += 1;
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: this.#base.hostname, port: this.#base.port, path, method, headers, agent: this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
