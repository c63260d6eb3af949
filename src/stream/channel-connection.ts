/**
 * One socket on a notification channel's `connectUri`: frames in, a ping after a quiet interval, and a
 * drop reported once when the socket closes or stays silent for 2.5 heartbeat intervals.
 */
import WebSocket from 'ws';
import { PING_MESSAGE, type Channel } from '../contract/notifications.js';
import { ConnectionError } from '../errors.js';
import { frameLimitError } from './frame-limit.js';
import { parseNotificationFrame, type NotificationFrameEvent, type RawFrame } from './frame-parser.js';
import { HeartbeatWatchdog } from './heartbeat-watchdog.js';
import { closeSocket } from './socket-close.js';

/** What a connection reports to its owner. */
export interface ChannelConnectionEvents {
  /** The server's heartbeat interval in ms. */
  heartbeatIntervalMs: number;
  /** Opening handshake timeout in ms. */
  handshakeTimeoutMs: number;
  /** Largest frame accepted (ws `maxPayload`); a larger one closes the socket (1009) before it is buffered. */
  maxFrameBytes: number;
  onFrame(frame: NotificationFrameEvent, connection: ChannelConnection): void;
  /** Called at most once, when the socket closed or went silent without `close()` being called. */
  onDrop(connection: ChannelConnection, reason: string): void;
}

/** An open socket on one notification channel. */
export class ChannelConnection {
  readonly channel: Channel;
  readonly #socket: WebSocket;
  readonly #watchdog: HeartbeatWatchdog;
  #ended = false;

  private constructor(channel: Channel, socket: WebSocket, events: ChannelConnectionEvents) {
    this.channel = channel;
    this.#socket = socket;
    this.#watchdog = new HeartbeatWatchdog({
      intervalMs: events.heartbeatIntervalMs,
      onQuiet: () => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(PING_MESSAGE));
      },
      onDead: () => this.#drop(events, 'no heartbeat or pong for 2.5 intervals'),
    });
    socket.on('message', (data: RawFrame) => {
      this.#watchdog.touch();
      events.onFrame(parseNotificationFrame(data), this);
    });
    let closeReason = 'socket closed';
    socket.on('error', (error) => {
      const tooLarge = frameLimitError(error, events.maxFrameBytes, `notification channel ${channel.id}`);
      if (tooLarge !== undefined) closeReason = tooLarge.message;
    });
    socket.on('close', () => this.#drop(events, closeReason));
  }

  /**
   * Connects to the channel's `connectUri`.
   * @throws ConnectionError when the socket cannot be opened
   */
  static open(channel: Channel, events: ChannelConnectionEvents): Promise<ChannelConnection> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(channel.connectUri, {
        handshakeTimeout: events.handshakeTimeoutMs,
        maxPayload: events.maxFrameBytes,
      });
      const onError = (error: Error): void => {
        socket.off('open', onOpen);
        reject(
          new ConnectionError(`could not open notification channel ${channel.id}: ${error.message}`, {
            cause: error,
          }),
        );
      };
      const onOpen = (): void => {
        socket.off('error', onError);
        resolve(new this(channel, socket, events));
      };
      socket.once('error', onError);
      socket.once('open', onOpen);
    });
  }

  /** True once the socket dropped or was closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Closes the socket on purpose (no drop is reported) and waits until it is gone. */
  close(): Promise<void> {
    this.#ended = true;
    this.#watchdog.stop();
    return closeSocket(this.#socket);
  }

  #drop(events: ChannelConnectionEvents, reason: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#watchdog.stop();
    this.#socket.terminate();
    events.onDrop(this, reason);
  }
}
