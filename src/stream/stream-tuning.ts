/**
 * Timings of the stream transports, set per injector (tests shorten them; the defaults follow Genesys).
 */

/** Timings of the stream transports. */
export interface StreamTuning {
  /** Heartbeat interval the notification service uses (default 30 000 ms); 2.5 missed = dead. */
  heartbeatIntervalMs?: number;
  /** Ping interval on the direct socket (default 30 000 ms). */
  pingIntervalMs?: number;
  /** Reconnect backoff: first ceiling and cap in ms. */
  backoff?: { baseMs?: number; maxMs?: number };
  /** Read the conversation when a stream has been silent this long (ms). */
  idleReadMs?: number;
  /** Under load, wait this long more to group conversation subscriptions into one request (ms, default 0). */
  subscribeCoalesceMs?: number;
  /**
   * Notification transport: subscribe each assistant's responses topic once instead of one topic per
   * conversation (default true; falls back by itself where the server refuses the topic).
   */
  assistantTopic?: boolean;
}
