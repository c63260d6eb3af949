/**
 * Every WebSocket the emulator accepted, and the one place frames are written, so the malformed-frame
 * fault and the socket counters apply to both transports alike.
 */
import type { WebSocket } from 'ws';
import type { FaultInjector } from './fault-injector.js';

/** What the malformed-frame fault sends before a real frame: not JSON. */
export const GARBAGE_FRAME = '{"topicName": garbage';

/** Tracks open sockets and writes frames to them. */
export class SocketRegistry {
  readonly #open = new Set<WebSocket>();
  readonly #faults: FaultInjector;
  /** Sockets accepted since start. */
  opened = 0;

  constructor(faults: FaultInjector) {
    this.#faults = faults;
  }

  /** Sockets open now. */
  get openCount(): number {
    return this.#open.size;
  }

  /** Starts tracking `ws`; it is forgotten when it closes. */
  track(ws: WebSocket): void {
    this.#open.add(ws);
    this.opened += 1;
    ws.once('close', () => this.#open.delete(ws));
  }

  /**
   * Writes one frame (already JSON) to `ws`, preceded by a garbage frame when the fault says so.
   * Silently skips a socket that is no longer open.
   */
  send(ws: WebSocket, frame: string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (this.#faults.malformedFrame()) ws.send(GARBAGE_FRAME);
    ws.send(frame);
  }

  /** Terminates every socket; resolves once each one has closed (close()). */
  async terminateAll(): Promise<void> {
    const closing = [...this.#open].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) resolve();
          else ws.once('close', () => resolve());
          ws.terminate();
        }),
    );
    this.#open.clear();
    await Promise.all(closing);
  }
}
