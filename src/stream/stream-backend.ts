/**
 * What the stream transports need from the rest of the library: a token for the direct socket and the
 * few REST calls of docs/protocol.md — and, for the backends, the create call. The injector
 * adapts its REST client to this, so `stream/` never imports the REST client or `auth/`.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import type {
  Conversation,
  ConversationCreateRequest,
  ConversationCreated,
} from '../contract/conversation.js';
import type { Channel } from '../contract/notifications.js';
import type { ApiResult } from '../http/rest-request.js';

export type { Channel, Conversation };

/** The REST calls and credentials a stream transport uses. */
export interface StreamBackend {
  /** Bearer token for the direct socket upgrade. */
  getAccessToken(signal?: AbortSignalLike): Promise<string>;
  /** After a 401 on upgrade: forget this token so the next `getAccessToken` logs in again. */
  invalidateToken?(token: string): void;
  /** ws(s) origin for the direct socket, e.g. `ws://127.0.0.1:8787`. */
  socketBaseUrl: string;
  /**
   * `POST /api/v2/notifications/channels`.
   * @param deadlineAt when set (`Date.now()` ms), a wait (a 429's `Retry-After`) ending later fails at once
   */
  createChannel(signal?: AbortSignalLike, deadlineAt?: number): Promise<Channel>;
  /**
   * `POST .../channels/{id}/subscriptions`: adds topics to the channel's list.
   * @param deadlineAt as for `createChannel`
   */
  addSubscriptions(
    channelId: string,
    topics: string[],
    signal?: AbortSignalLike,
    deadlineAt?: number,
  ): Promise<void>;
  /**
   * `PUT .../channels/{id}/subscriptions`: replaces the channel's list. Optional: without it, a
   * channel whose list is full of finished topics is replaced by a new channel instead.
   */
  replaceSubscriptions?(channelId: string, topics: string[], signal?: AbortSignalLike): Promise<void>;
  /** `GET /api/v2/ai/assistants/{assistantId}/conversations/{conversationId}` (4.4). */
  getConversation(
    assistantId: string,
    conversationId: string,
    signal?: AbortSignalLike,
    /** When the injection's deadline passes (`Date.now()` ms): a longer wait fails at once. */
    deadlineAt?: number,
  ): Promise<Conversation>;
}

/** The conversation endpoints a response backend uses: the transports' calls plus the create call. */
export interface ConversationApi extends StreamBackend {
  /**
   * `POST /api/v2/ai/assistants/{assistantId}/conversations` (4.3), retried under one key.
   * @param assistantId the assistant
   * @param payload the prompt payload
   * @param options the idempotency key (the same on every retry) and the signal
   */
  createConversation(
    assistantId: string,
    payload: ConversationCreateRequest,
    options: { idempotencyKey: string; signal: AbortSignalLike },
  ): Promise<ApiResult<ConversationCreated>>;
}
