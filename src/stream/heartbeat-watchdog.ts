/**
 * Declares a socket dead after 2.5 heartbeat intervals of silence (docs/protocol.md, the AI response events), and asks for a
 * pong after one interval of silence so a quiet but healthy socket proves itself.
 */
import { MISSED_HEARTBEATS_FOR_DEAD } from '../contract/notifications.js';

/** What the watchdog does when the socket is quiet. */
export interface HeartbeatWatchdogOptions {
  /** The server's heartbeat interval in ms. */
  intervalMs: number;
  /** Called after one interval of silence (at most once per interval). */
  onQuiet: () => void;
  /** Called once, after `2.5 x intervalMs` of silence. */
  onDead: () => void;
}

/** A timer that must be fed with `touch()` on every frame received. */
export class HeartbeatWatchdog {
  readonly #options: HeartbeatWatchdogOptions;
  #lastSeen = Date.now();
  #lastQuietCall = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Starts watching at once. */
  constructor(options: HeartbeatWatchdogOptions) {
    this.#options = options;
    const tick = Math.max(1, Math.floor(options.intervalMs / 4));
    this.#timer = setInterval(() => this.#check(), tick);
  }

  /** Records that the socket said something. */
  touch(): void {
    this.#lastSeen = Date.now();
  }

  /** Stops the timer; idempotent. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const now = Date.now();
    const silence = now - this.#lastSeen;
    const { intervalMs } = this.#options;
    if (silence >= MISSED_HEARTBEATS_FOR_DEAD * intervalMs) {
      this.stop();
      this.#options.onDead();
    } else if (silence >= intervalMs && now - this.#lastQuietCall >= intervalMs) {
      this.#lastQuietCall = now;
      this.#options.onQuiet();
    }
  }
}
