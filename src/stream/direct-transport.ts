/**
 * The original design's direct socket, made reliable: several conversations share one socket (subscribe /
 * subscribed / unsubscribe), a drop or a silent socket leads to a reconnect with capped full-jitter
 * backoff and a fresh token, every live conversation is subscribed again and reconciled by a read.
 */
import type WebSocket from 'ws';
import { TOKEN_EXPIRED_CLOSE } from '../contract/stream-events.js';
import { AbortError, AuthenticationError, ConnectionError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from '../limits.js';
import { silentLogger, type Logger } from '../logger.js';
import { directSocketUrl, directSubscription, openDirectSocket } from './direct-socket.js';
import { ConversationStream, type ConversationStreamHooks } from './conversation-stream.js';
import { transportStreamHooks } from './transport-stream-hooks.js';
import { frameLimitError } from './frame-limit.js';
import { closeSocket } from './socket-close.js';
import { parseDirectFrame, type RawFrame } from './frame-parser.js';
import { HeartbeatWatchdog } from './heartbeat-watchdog.js';
import { reconnectDelayMs, type ReconnectBackoffOptions } from './reconnect-backoff.js';
import type { StreamBackend } from './stream-backend.js';
import type { ConversationStreamHandle, OpenStreamOptions } from './stream-outcome.js';
import {
  emptyTransportStats,
  type ResponseStreamTransport,
  type StreamTransportStats,
} from './stream-transport.js';

/** Options of `DirectStreamTransport`. */
export interface DirectStreamTransportOptions {
  backend: StreamBackend;
  /** Reconnect backoff (default base 1 s, cap 30 s). */
  backoff?: ReconnectBackoffOptions;
  /** Failed connection attempts in a row before live streams fail (default 8). */
  maxConnectAttempts?: number;
  /** A WebSocket ping after this much silence; 2.5 x this without a frame or pong is a drop (default 30 000). */
  pingIntervalMs?: number;
  /** Quiet time before a doubtful stream reads its conversation (default 1000). */
  idleReadMs?: number;
  /** Opening handshake timeout (default 10 000). */
  handshakeTimeoutMs?: number;
  /** Sizes accepted from the server: socket frames, answer text, chunks held across a gap (default `DEFAULT_RESPONSE_LIMITS`). */
  limits?: Pick<ResponseLimits, 'maxFrameBytes' | 'maxAnswerChars' | 'maxPendingChunks'>;
  logger?: Logger;
}

/** Many conversations on one direct socket (`ws(s)://{api origin}/api/v2/conversations`). */
export class DirectStreamTransport implements ResponseStreamTransport {
  readonly kind = 'direct' as const;
  readonly #options: DirectStreamTransportOptions;
  readonly #logger: Logger;
  readonly #streams = new Map<string, ConversationStream>();
  #socket: WebSocket | undefined;
  #watchdog: HeartbeatWatchdog | undefined;
  #connecting = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryWake: (() => void) | undefined;
  #closed = false;
  #stats = emptyTransportStats();
  readonly #streamHooks: ConversationStreamHooks;

  /** @param options backend, backoff, ping interval */
  constructor(options: DirectStreamTransportOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#streamHooks = transportStreamHooks(options, (stream) => this.#release(stream));
  }

  /** @inheritdoc */
  open(
    assistantId: string,
    conversationId: string,
    options: OpenStreamOptions = {},
  ): ConversationStreamHandle {
    const stream = new ConversationStream(conversationId, options, this.#streamHooks, assistantId);
    if (this.#closed) {
      stream.fail(new AbortError('the stream transport is closed'));
      return stream;
    }
    this.#streams.get(conversationId)?.cancel();
    this.#streams.set(conversationId, stream);
    if (this.#socket !== undefined) this.#subscribe(this.#socket, conversationId);
    else void this.#connect(false);
    return stream;
  }

  /** @inheritdoc */
  stats(): StreamTransportStats {
    return { ...this.#stats, liveStreams: this.#streams.size };
  }

  /** @inheritdoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#retryWake?.();
    for (const stream of [...this.#streams.values()])
      stream.fail(new AbortError('the stream transport was closed'));
    const socket = this.#socket;
    this.#dropSocket();
    if (socket !== undefined) await closeSocket(socket);
  }

  #subscribe(socket: WebSocket, conversationId: string): void {
    this.#stats.subscriptionRequests += 1;
    socket.send(directSubscription('subscribe', conversationId));
  }

  #release(stream: ConversationStream): void {
    const { conversationId } = stream;
    if (this.#streams.get(conversationId) !== stream) return;
    this.#streams.delete(conversationId);
    const socket = this.#socket;
    if (socket !== undefined && socket.readyState === socket.OPEN) {
      socket.send(directSubscription('unsubscribe', conversationId));
    }
  }

  /** Connects (after a backoff when reconnecting), then subscribes every live stream. */
  async #connect(reconnecting: boolean): Promise<void> {
    if (this.#connecting || this.#closed) return;
    this.#connecting = true;
    const backend = this.#options.backend;
    const maxAttempts = this.#options.maxConnectAttempts ?? 8;
    let lastError: unknown;
    try {
      for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
        if (reconnecting || attempt > 0) await this.#sleep(reconnectDelayMs(attempt, this.#options.backoff));
        if (this.#closed || this.#streams.size === 0) return;
        let token: string | undefined;
        try {
          token = await backend.getAccessToken();
          const socket = await openDirectSocket(
            directSocketUrl(backend.socketBaseUrl),
            token,
            this.#options.handshakeTimeoutMs,
            this.#options.limits?.maxFrameBytes,
          );
          if (this.#closed) {
            socket.terminate();
            return;
          }
          this.#adopt(socket, token);
          return;
        } catch (error) {
          lastError = error;
          // A refused token is replaced at once; the next attempt logs in again.
          if (error instanceof AuthenticationError && token !== undefined) backend.invalidateToken?.(token);
          this.#logger.warn(
            { attempt, code: (error as { code?: string }).code },
            'stream socket connect failed',
          );
        }
      }
      const failure = new ConnectionError('the stream socket could not be reopened', { cause: lastError });
      for (const stream of [...this.#streams.values()]) stream.fail(failure);
    } finally {
      this.#connecting = false;
    }
  }

  #adopt(socket: WebSocket, token: string): void {
    this.#socket = socket;
    this.#stats.socketsOpened += 1;
    this.#stats.socketsOpen += 1;
    const interval = this.#options.pingIntervalMs ?? 30_000;
    this.#watchdog = new HeartbeatWatchdog({
      intervalMs: interval,
      onQuiet: () => socket.ping(),
      onDead: () => this.#onDrop(socket, 'no frame or pong for 2.5 ping intervals'),
    });
    socket.on('message', (data: RawFrame) => this.#onFrame(data));
    socket.on('pong', () => this.#watchdog?.touch());
    socket.on('error', (error) => {
      const maxFrameBytes = this.#options.limits?.maxFrameBytes ?? DEFAULT_RESPONSE_LIMITS.maxFrameBytes;
      const tooLarge = frameLimitError(error, maxFrameBytes, 'the stream socket');
      this.#logger.warn(
        tooLarge === undefined
          ? { err: error.message }
          : { err: tooLarge.message, code: tooLarge.code, option: tooLarge.option },
        'stream socket error',
      );
    });
    socket.on('close', (code: number) => {
      this.#stats.socketsOpen -= 1;
      // The server ended the socket because its token expired: the reconnect logs in again at once.
      if (code === TOKEN_EXPIRED_CLOSE.code) this.#options.backend.invalidateToken?.(token);
      this.#onDrop(socket, 'socket closed');
    });
    for (const conversationId of this.#streams.keys()) this.#subscribe(socket, conversationId);
  }

  #onFrame(data: RawFrame): void {
    this.#watchdog?.touch();
    const frame = parseDirectFrame(data);
    if (frame.kind === 'malformed') {
      for (const stream of this.#streams.values()) stream.noteMalformed();
    } else if (frame.kind === 'subscribed') {
      this.#streams.get(frame.conversationId)?.markActive();
    } else {
      this.#streams.get(frame.event.data.conversationId)?.handleEvent(frame.event);
    }
  }

  #onDrop(socket: WebSocket, reason: string): void {
    if (this.#socket !== socket) return;
    this.#dropSocket();
    if (this.#closed) return;
    this.#logger.info({ reason, liveStreams: this.#streams.size }, 'stream socket dropped');
    if (this.#streams.size === 0) return;
    this.#stats.reconnects += 1;
    for (const stream of this.#streams.values()) stream.markDropped();
    void this.#connect(true);
  }

  #dropSocket(): void {
    this.#watchdog?.stop();
    this.#watchdog = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined && socket.readyState !== socket.CLOSED) socket.terminate();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#retryWake = resolve;
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        resolve();
      }, ms);
    });
  }
}
