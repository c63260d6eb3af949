/**
 * Events that came on an assistant responses topic for a conversation no stream has claimed yet: the
 * server may publish a conversation's first chunks before its create call has answered. They are kept
 * per conversation until the stream opens and claims them, within three bounds (conversations, bytes,
 * age). A conversation is dropped whole, oldest first, never in part: a stream that claims what is
 * left then starts at chunk 1 with nothing missing, or above it (or with nothing) and reads its
 * conversation, so a drop costs a read, never text.
 */
import type { AiStreamEvent } from '../contract/stream-events.js';
import { timerDelay } from '../timers/timer-delay.js';

/** The bounds of an `EarlyEvents` buffer. */
export interface EarlyEventLimits {
  /** Conversations held at once. */
  maxConversations: number;
  /** Bytes of frames held at once. */
  maxBytes: number;
  /** How long a conversation's events are held before they expire unclaimed (ms). */
  maxAgeMs: number;
}

interface Held {
  readonly events: AiStreamEvent[];
  bytes: number;
  readonly since: number;
}

/** Unclaimed events per conversation, bounded; oldest conversations go first. */
export class EarlyEvents {
  readonly #limits: EarlyEventLimits;
  /** In arrival order of each conversation's first held event, so the oldest is first. */
  readonly #held = new Map<string, Held>();
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;
  /** Conversations whose events were dropped unclaimed (limit or age). */
  dropped = 0;

  /** @param limits conversations, bytes and age */
  constructor(limits: EarlyEventLimits) {
    this.#limits = limits;
  }

  /** Conversations held now. */
  get size(): number {
    return this.#held.size;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Holds one event of an unclaimed conversation.
   * @param bytes the frame's size
   */
  hold(conversationId: string, event: AiStreamEvent, bytes: number, now = Date.now()): void {
    this.#expire(now);
    let held = this.#held.get(conversationId);
    if (held === undefined) {
      held = { events: [], bytes: 0, since: now };
      this.#held.set(conversationId, held);
    }
    held.events.push(event);
    held.bytes += bytes;
    this.#bytes += bytes;
    while (this.#held.size > this.#limits.maxConversations || this.#bytes > this.#limits.maxBytes) {
      const oldest = this.#held.keys().next();
      if (oldest.done === true) break;
      this.#drop(oldest.value);
    }
    this.#armExpiry();
  }

  /** Takes the conversation's held events, in arrival order (undefined when none). */
  claim(conversationId: string, now = Date.now()): AiStreamEvent[] | undefined {
    this.#expire(now);
    const held = this.#held.get(conversationId);
    if (held === undefined) return undefined;
    this.#held.delete(conversationId);
    this.#bytes -= held.bytes;
    return held.events;
  }

  /** Forgets everything (a drop: what was held may have gaps after it). */
  clear(): void {
    this.#held.clear();
    this.#bytes = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drop(conversationId: string): void {
    const held = this.#held.get(conversationId);
    if (held === undefined) return;
    this.#held.delete(conversationId);
    this.#bytes -= held.bytes;
    this.dropped += 1;
  }

  #expire(now: number): void {
    for (const [conversationId, held] of this.#held) {
      if (now - held.since < this.#limits.maxAgeMs) return;
      this.#drop(conversationId);
    }
  }

  /** One timer while anything is held, so unclaimed events expire even when no more arrive. */
  #armExpiry(): void {
    if (this.#timer !== undefined) return;
    const oldest = this.#held.values().next();
    if (oldest.done === true) return;
    const delay = Math.max(0, oldest.value.since + this.#limits.maxAgeMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#expire(Date.now());
      this.#armExpiry();
    }, timerDelay(delay));
    this.#timer.unref();
  }
}
