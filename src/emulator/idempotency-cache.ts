/**
 * Remembers `Idempotency-Key`s per OAuth client for 24 h (docs/protocol.md, create a conversation): a repeat returns the
 * conversation the first request created, with the same body.
 */
import { IDEMPOTENCY_WINDOW_MS, type ConversationCreated } from '../contract/conversation.js';

interface Remembered {
  body: ConversationCreated;
  expiresAt: number;
}

/** Idempotency keys and the create answers they produced. */
export class IdempotencyCache {
  readonly #entries = new Map<string, Remembered>();
  readonly #windowMs: number;

  /** @param windowMs how long a key is remembered (default 24 h) */
  constructor(windowMs = IDEMPOTENCY_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** The answer remembered for `clientId` + `key`, or undefined. */
  get(clientId: string, key: string, now = Date.now()): ConversationCreated | undefined {
    const entry = this.#entries.get(this.#slot(clientId, key));
    if (entry === undefined || entry.expiresAt <= now) return undefined;
    return entry.body;
  }

  /** Remembers the create answer for `clientId` + `key`. */
  remember(clientId: string, key: string, body: ConversationCreated, now = Date.now()): void {
    this.#entries.set(this.#slot(clientId, key), { body, expiresAt: now + this.#windowMs });
  }

  /** Forgets expired keys. */
  sweep(now = Date.now()): void {
    for (const [slot, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(slot);
  }

  /** The conversations that a live key still points at (they must be kept while the key lives). */
  conversationsPointedAt(now = Date.now()): Set<string> {
    const ids = new Set<string>();
    for (const entry of this.#entries.values()) if (entry.expiresAt > now) ids.add(entry.body.id);
    return ids;
  }

  #slot(clientId: string, key: string): string {
    return `${clientId}\u0000${key}`;
  }
}
