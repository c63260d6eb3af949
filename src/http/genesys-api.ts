/**
 * The AI Assistant conversation and notification endpoints the product calls (docs/protocol.md,
 * 4.5): each one a `RestRequest` sent through the shared pipeline (`RestCaller`).
 */
import {
  ConversationCreatedSchema,
  ConversationSchema,
  IDEMPOTENCY_KEY_HEADER,
  SCOPE_ASSISTANT_READ,
  SCOPE_ASSISTANT_WRITE,
  type Conversation,
  type ConversationCreateRequest,
  type ConversationCreated,
} from '../contract/conversation.js';
import {
  ChannelSchema,
  SubscriptionListSchema,
  type Channel,
  type SubscriptionList,
} from '../contract/notifications.js';
import { checkConversationCreated } from '../contract/frame-check.js';
import { payloadJson } from '../contract/payload-json.js';
import type { ApiResult, CallOptions, RestCaller } from './rest-request.js';

/** Options of `createConversation`. */
export interface CreateConversationOptions extends CallOptions {
  /** One UUID per logical injection; the same key is sent on every retry. */
  idempotencyKey: string;
}

/** The Genesys REST endpoints of the product, over the shared request pipeline. */
export class GenesysApi {
  readonly #rest: RestCaller;

  /** @param rest the request pipeline (pacing, retries, re-login, typed errors) */
  constructor(rest: RestCaller) {
    this.#rest = rest;
  }

  /**
   * `POST /api/v2/ai/assistants/{assistantId}/conversations` (scope `ai:assistant:write`).
   * @param assistantId the assistant (must equal `body.assistantId`)
   * @param body the original design's payload shape
   * @param options the idempotency key (reused across retries), signal, deadline
   */
  createConversation(
    assistantId: string,
    body: ConversationCreateRequest,
    options: CreateConversationOptions,
  ): Promise<ApiResult<ConversationCreated>> {
    return this.#rest.call(
      {
        method: 'POST',
        path: '/api/v2/ai/assistants/{assistantId}/conversations',
        pathParams: { assistantId },
        body,
        // The bytes the prompt hash was taken of: the payload's canonical JSON.
        bodyJson: () => payloadJson(body),
        headers: { [IDEMPOTENCY_KEY_HEADER]: options.idempotencyKey },
        scope: SCOPE_ASSISTANT_WRITE,
        schema: ConversationCreatedSchema,
        check: checkConversationCreated,
      },
      options,
    );
  }

  /**
   * `GET /api/v2/ai/assistants/{assistantId}/conversations/{conversationId}` (scope `ai:assistant:read`).
   * @param assistantId the assistant
   * @param conversationId the conversation
   * @param options signal, deadline
   */
  async getConversation(
    assistantId: string,
    conversationId: string,
    options: CallOptions = {},
  ): Promise<Conversation> {
    const result = await this.#rest.call(
      {
        method: 'GET',
        path: '/api/v2/ai/assistants/{assistantId}/conversations/{conversationId}',
        pathParams: { assistantId, conversationId },
        scope: SCOPE_ASSISTANT_READ,
        schema: ConversationSchema,
      },
      options,
    );
    return result.value;
  }

  /**
   * `POST /api/v2/notifications/channels`: a new notification channel.
   * @param options signal, deadline
   */
  async createChannel(options: CallOptions = {}): Promise<Channel> {
    const result = await this.#rest.call(
      { method: 'POST', path: '/api/v2/notifications/channels', pathParams: {}, schema: ChannelSchema },
      options,
    );
    return result.value;
  }

  /**
   * `POST .../channels/{channelId}/subscriptions`: adds topics to a channel's subscriptions.
   * @param channelId the channel
   * @param topics topic names, e.g. `v2.conversations.{id}.aiassistant.responses`
   * @param options signal, deadline
   */
  async addSubscriptions(
    channelId: string,
    topics: readonly string[],
    options: CallOptions = {},
  ): Promise<SubscriptionList> {
    return (await this.#subscriptions('POST', channelId, topics, options)).value;
  }

  /**
   * `PUT .../channels/{channelId}/subscriptions`: replaces a channel's subscriptions with `topics`.
   * @param channelId the channel
   * @param topics the complete topic list
   * @param options signal, deadline
   */
  async replaceSubscriptions(
    channelId: string,
    topics: readonly string[],
    options: CallOptions = {},
  ): Promise<SubscriptionList> {
    return (await this.#subscriptions('PUT', channelId, topics, options)).value;
  }

  #subscriptions(
    method: 'POST' | 'PUT',
    channelId: string,
    topics: readonly string[],
    options: CallOptions,
  ): Promise<ApiResult<SubscriptionList>> {
    return this.#rest.call(
      {
        method,
        path: '/api/v2/notifications/channels/{channelId}/subscriptions',
        pathParams: { channelId },
        body: topics.map((id) => ({ id })),
        schema: SubscriptionListSchema,
      },
      options,
    );
  }
}
