/**
 * The original design's direct socket (docs/protocol.md, the AI response events): `subscribe` answers `subscribed` and then live events
 * from that point (no replay: clients reconcile by reading); `unsubscribe` ends one subscription.
 * A finished conversation subscribed late gets `subscribed` and its final event. A socket serves only
 * the conversations of the OAuth client whose token opened it, and closes when that token expires.
 */
import type { WebSocket } from 'ws';
import { SCOPE_ASSISTANT_READ } from '../contract/conversation.js';
import { DirectSubscribeSchema, TOKEN_EXPIRED_CLOSE, type AiStreamEvent } from '../contract/stream-events.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { SocketRegistry } from './socket-registry.js';
import type { IssuedToken } from './token-store.js';

/** Node's largest timer delay; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** One accepted direct socket: the token it was opened with and its subscriptions. */
interface DirectSocketState {
  readonly token: IssuedToken;
  readonly conversations: Set<string>;
  expiryTimer: NodeJS.Timeout | undefined;
}

/** Subscriptions of the direct sockets. */
export class DirectSockets {
  readonly #sockets: SocketRegistry;
  readonly #engine: ConversationEngine;
  readonly #isLive: (token: IssuedToken) => boolean;
  /** conversationId -> sockets subscribed to it. */
  readonly #byConversation = new Map<string, Set<WebSocket>>();
  readonly #bySocket = new Map<WebSocket, DirectSocketState>();

  /**
   * @param sockets where frames are written
   * @param engine the conversations
   * @param isLive whether a token is still valid (not expired, not revoked)
   */
  constructor(sockets: SocketRegistry, engine: ConversationEngine, isLive: (token: IssuedToken) => boolean) {
    this.#sockets = sockets;
    this.#engine = engine;
    this.#isLive = isLive;
  }

  /**
   * Serves an accepted direct socket.
   * @param token the token the upgrade carried: its client owns what the socket may see
   */
  attach(ws: WebSocket, token: IssuedToken): void {
    const state: DirectSocketState = { token, conversations: new Set(), expiryTimer: undefined };
    this.#bySocket.set(ws, state);
    this.#armExpiry(ws, state);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      this.#onMessage(ws, state, data.toString('utf8'));
    });
    ws.once('close', () => {
      clearTimeout(state.expiryTimer);
      for (const id of state.conversations) this.#unsubscribe(ws, id);
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

  /** True when a direct socket is subscribed to `conversationId`. */
  hasSubscriber(conversationId: string): boolean {
    return (this.#byConversation.get(conversationId)?.size ?? 0) > 0;
  }

  /** Direct sockets carrying `conversationId`. */
  socketsFor(conversationId: string): WebSocket[] {
    return [...(this.#byConversation.get(conversationId) ?? [])];
  }

  /** Closes every socket whose token is no longer live (after tokens were revoked). */
  closeExpired(): void {
    for (const [ws, state] of [...this.#bySocket]) if (!this.#isLive(state.token)) this.#closeExpired(ws);
  }

  /** Forgets every subscription and clears the expiry timers. */
  close(): void {
    for (const state of this.#bySocket.values()) clearTimeout(state.expiryTimer);
    this.#byConversation.clear();
    this.#bySocket.clear();
  }

  #armExpiry(ws: WebSocket, state: DirectSocketState): void {
    const ms = Math.max(0, Math.min(state.token.expiresAt - Date.now(), MAX_TIMER_MS));
    state.expiryTimer = setTimeout(() => {
      // A lifetime beyond Node's largest timer takes several turns.
      if (this.#isLive(state.token)) this.#armExpiry(ws, state);
      else this.#closeExpired(ws);
    }, ms);
  }

  #closeExpired(ws: WebSocket): void {
    const state = this.#bySocket.get(ws);
    if (state === undefined) return;
    clearTimeout(state.expiryTimer);
    for (const id of state.conversations) this.#unsubscribe(ws, id);
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) {
      ws.close(TOKEN_EXPIRED_CLOSE.code, TOKEN_EXPIRED_CLOSE.reason);
    }
  }

  #onMessage(ws: WebSocket, state: DirectSocketState, text: string): void {
    if (!this.#isLive(state.token)) {
      this.#closeExpired(ws);
      return;
    }
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
    if (!state.token.scopes.has(SCOPE_ASSISTANT_READ)) {
      this.#error(
        ws,
        conversationId,
        'missing.any.permissions',
        `The token lacks the scope ${SCOPE_ASSISTANT_READ}.`,
      );
      return;
    }
    // Another client's conversation is answered like an unknown one.
    const record = this.#engine.owned(conversationId, state.token.clientId);
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
    state.conversations.add(conversationId);
    let set = this.#byConversation.get(conversationId);
    if (set === undefined) {
      set = new Set();
      this.#byConversation.set(conversationId, set);
    }
    set.add(ws);
  }

  #unsubscribe(ws: WebSocket, conversationId: string): void {
    this.#bySocket.get(ws)?.conversations.delete(conversationId);
    const set = this.#byConversation.get(conversationId);
    set?.delete(ws);
    if (set?.size === 0) this.#byConversation.delete(conversationId);
  }

  #error(ws: WebSocket, conversationId: string, code: string, message: string): void {
    const event: AiStreamEvent = { type: 'aiResponseError', data: { conversationId, code, message } };
    this.#sockets.send(ws, JSON.stringify(event));
  }
}
