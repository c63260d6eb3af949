/**
 * The seed's direct socket (PRODUCT.md 4.5): `subscribe` answers `subscribed` and then live events
 * from that point (no replay: clients reconcile by reading); `unsubscribe` ends one subscription.
 * A finished conversation subscribed late gets `subscribed` and its final event.
 */
import type { WebSocket } from 'ws';
import { SCOPE_ASSISTANT_READ } from '../contract/conversation.js';
import { DirectSubscribeSchema, type AiStreamEvent } from '../contract/stream-events.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { SocketRegistry } from './socket-registry.js';

/** Subscriptions of the direct sockets. */
export class DirectSockets {
  readonly #sockets: SocketRegistry;
  readonly #engine: ConversationEngine;
  /** conversationId -> sockets subscribed to it. */
  readonly #byConversation = new Map<string, Set<WebSocket>>();
  /** socket -> conversations it is subscribed to. */
  readonly #bySocket = new Map<WebSocket, Set<string>>();

  constructor(sockets: SocketRegistry, engine: ConversationEngine) {
    this.#sockets = sockets;
    this.#engine = engine;
  }

  /**
   * Serves an accepted direct socket.
   * @param scopes scopes of the token the upgrade carried
   */
  attach(ws: WebSocket, scopes: ReadonlySet<string>): void {
    this.#bySocket.set(ws, new Set());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      this.#onMessage(ws, scopes, data.toString('utf8'));
    });
    ws.once('close', () => {
      for (const id of this.#bySocket.get(ws) ?? []) this.#unsubscribe(ws, id);
      this.#bySocket.delete(ws);
    });
  }

  /** An AI event to every direct socket subscribed to the conversation. */
  publish(conversationId: string, event: AiStreamEvent): void {
    const sockets = this.#byConversation.get(conversationId);
    if (sockets === undefined) return;
    const frame = JSON.stringify(event);
    for (const ws of sockets) this.#sockets.send(ws, frame);
    // A finished conversation sends nothing more: its subscriptions are dropped.
    if (event.type !== 'aiResponseChunk') {
      for (const ws of [...sockets]) this.#unsubscribe(ws, conversationId);
    }
  }

  /** Direct sockets carrying `conversationId`. */
  socketsFor(conversationId: string): WebSocket[] {
    return [...(this.#byConversation.get(conversationId) ?? [])];
  }

  /** Forgets every subscription. */
  close(): void {
    this.#byConversation.clear();
    this.#bySocket.clear();
  }

  #onMessage(ws: WebSocket, scopes: ReadonlySet<string>, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // not JSON: ignored, as a server would
    }
    const parsed = DirectSubscribeSchema.safeParse(json);
    if (!parsed.success) return;
    const { type, data } = parsed.data;
    const conversationId = data.conversationId;
    if (type === 'unsubscribe') {
      this.#unsubscribe(ws, conversationId);
      return;
    }
    if (!scopes.has(SCOPE_ASSISTANT_READ)) {
      this.#error(
        ws,
        conversationId,
        'missing.any.permissions',
        `The token lacks the scope ${SCOPE_ASSISTANT_READ}.`,
      );
      return;
    }
    const record = this.#engine.get(conversationId);
    if (record === undefined) {
      this.#error(ws, conversationId, 'not.found', `Conversation ${conversationId} was not found.`);
      return;
    }
    this.#sockets.send(ws, JSON.stringify({ type: 'subscribed', data: { conversationId } }));
    const final = this.#engine.finalEvent(record);
    if (final !== undefined) {
      this.#sockets.send(ws, JSON.stringify(final));
      return;
    }
    this.#bySocket.get(ws)?.add(conversationId);
    let set = this.#byConversation.get(conversationId);
    if (set === undefined) {
      set = new Set();
      this.#byConversation.set(conversationId, set);
    }
    set.add(ws);
  }

  #unsubscribe(ws: WebSocket, conversationId: string): void {
    this.#bySocket.get(ws)?.delete(conversationId);
    const set = this.#byConversation.get(conversationId);
    set?.delete(ws);
    if (set?.size === 0) this.#byConversation.delete(conversationId);
  }

  #error(ws: WebSocket, conversationId: string, code: string, message: string): void {
    const event: AiStreamEvent = { type: 'aiResponseError', data: { conversationId, code, message } };
    this.#sockets.send(ws, JSON.stringify(event));
  }
}
