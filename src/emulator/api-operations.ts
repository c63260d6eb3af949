/**
 * What each `/api/v2` operation does, once the request is authenticated, paced and authorised: the
 * conversation endpoints (docs/protocol.md: create and read a conversation) and the notification service. Each returns the
 * reply rather than writing it, so a fault can still replace it (a 5xx after the create happened).
 */
import {
  ConversationCreateRequestSchema,
  IDEMPOTENCY_KEY_HEADER,
  type ConversationCreated,
} from '../contract/conversation.js';
import {
  SubscriptionRequestSchema,
  assistantIdFromTopic,
  conversationIdFromTopic,
  type SubscriptionList,
} from '../contract/notifications.js';
import type { MatchedRoute } from './api-routes.js';
import type { ConversationEngine } from './conversation-engine.js';
import type { FaultInjector } from './fault-injector.js';
import { EmulatorHttpError, ERROR_CODES, parseJsonBody, validationError } from './http-replies.js';
import { runGuideOperation, type GuidesContext } from './guides-operations.js';
import { isGuideOperation } from './guides-routes.js';
import type { IdempotencyCache } from './idempotency-cache.js';
import { TooManyTopicsError, type NotificationChannels } from './notification-channels.js';
import type { IssuedToken } from './token-store.js';

/** A reply to write: status, JSON body, extra headers. */
export interface ApiReply {
  status: number;
  body: unknown;
}

/** What the operations work on. */
export interface ApiOperationContext {
  assistants: ReadonlySet<string>;
  /** Whether assistant responses topics are served (else a subscription to one is refused with 400). */
  assistantResponsesTopic: boolean;
  engine: ConversationEngine;
  channels: NotificationChannels;
  idempotency: IdempotencyCache;
  faults: FaultInjector;
  /** `ws://host:port` of the emulator for a request's `Host` header, for channel `connectUri`s. */
  socketOrigin: (hostHeader: string | undefined) => string;
  /** Counts idempotent replays. */
  onReplay: () => void;
  /** AI Studio guides, versions, publish jobs and sessions. */
  guides: GuidesContext;
}

/** One authenticated request. */
export interface ApiRequest {
  route: MatchedRoute;
  token: IssuedToken;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The query string of the request. */
  query?: URLSearchParams;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** Runs the operation of `request`; throws `EmulatorHttpError` for 4xx answers. */
export function runApiOperation(context: ApiOperationContext, request: ApiRequest): ApiReply {
  const { route } = request;
  if (isGuideOperation(route.operation)) {
    const query = request.query ?? new URLSearchParams();
    return runGuideOperation(context.guides, {
      route: { operation: route.operation, params: route.params },
      body: request.body,
      query,
    });
  }
  switch (route.operation) {
    case 'createConversation':
      return createConversation(context, request);
    case 'readConversation':
      return readConversation(
        context,
        request.token.clientId,
        route.params.assistantId ?? '',
        route.params.conversationId ?? '',
      );
    case 'createChannel':
      return {
        status: 200,
        body: context.channels.create(request.token.clientId, context.socketOrigin(hostOf(request))),
      };
    case 'listChannels':
      return {
        status: 200,
        body: {
          entities: context.channels.list(request.token.clientId, context.socketOrigin(hostOf(request))),
        },
      };
    default:
      return subscriptions(context, request);
  }
}

function createConversation(context: ApiOperationContext, request: ApiRequest): ApiReply {
  const pathAssistantId = request.route.params.assistantId ?? '';
  const parsed = ConversationCreateRequestSchema.safeParse(parseJsonBody(request.body));
  if (!parsed.success) throw validationError('conversation request', parsed.error.issues);
  const body = parsed.data;
  if (body.assistantId !== pathAssistantId) {
    throw validationError('conversation request', [
      {
        path: ['assistantId'],
        code: 'mismatch',
        message: `must equal the assistantId of the path ("${pathAssistantId}")`,
      },
    ]);
  }
  if (!context.assistants.has(pathAssistantId)) throw assistantNotFound(pathAssistantId);
  const key = idempotencyKey(request.headers);
  if (key !== undefined) {
    const remembered = context.idempotency.get(request.token.clientId, key);
    if (remembered !== undefined) {
      context.onReplay();
      return { status: 201, body: remembered };
    }
  }
  const record = context.engine.create(body, request.token.clientId, (chunks) =>
    context.faults.dropAtChunk(chunks),
  );
  const created: ConversationCreated = context.engine.createdBody(record);
  if (key !== undefined) context.idempotency.remember(request.token.clientId, key, created);
  return { status: 201, body: created };
}

function readConversation(
  context: ApiOperationContext,
  clientId: string,
  assistantId: string,
  conversationId: string,
): ApiReply {
  if (!context.assistants.has(assistantId)) throw assistantNotFound(assistantId);
  // Another client's conversation is answered exactly like an unknown one: its existence is not told.
  const record = context.engine.owned(conversationId, clientId);
  if (record === undefined || record.assistantId !== assistantId) {
    throw new EmulatorHttpError(
      404,
      ERROR_CODES.notFound,
      `Conversation ${conversationId} of assistant ${assistantId} was not found (finished conversations are kept for a limited time).`,
    );
  }
  return { status: 200, body: context.engine.view(record) };
}

function subscriptions(context: ApiOperationContext, request: ApiRequest): ApiReply {
  const channelId = request.route.params.channelId ?? '';
  const channel = context.channels.owned(channelId, request.token.clientId);
  if (channel === undefined) {
    throw new EmulatorHttpError(
      404,
      ERROR_CODES.notFound,
      `Channel ${channelId} was not found: it expired, was removed, or belongs to another client.`,
    );
  }
  const list = (topics: Iterable<string>): ApiReply => {
    const body: SubscriptionList = { entities: [...topics].map((id) => ({ id })) };
    return { status: 200, body };
  };
  const { operation } = request.route;
  if (operation === 'getSubscriptions') return list(channel.topics);
  if (operation === 'deleteSubscriptions') return list(context.channels.subscribe(channel, [], 'replace'));
  const parsed = SubscriptionRequestSchema.safeParse(parseJsonBody(request.body));
  if (!parsed.success) throw validationError('subscription list', parsed.error.issues);
  const topics = parsed.data.map((t) => t.id);
  checkAssistantTopics(context, topics);
  const foreign = topics.find((topic) => {
    const conversationId = conversationIdFromTopic(topic);
    const record = conversationId === undefined ? undefined : context.engine.get(conversationId);
    return record !== undefined && record.clientId !== request.token.clientId;
  });
  if (foreign !== undefined) {
    throw new EmulatorHttpError(
      403,
      ERROR_CODES.missingPermissions,
      `Topic ${foreign} belongs to a conversation of another OAuth client; subscribe only to your own conversations.`,
    );
  }
  try {
    return list(
      context.channels.subscribe(channel, topics, operation === 'addSubscriptions' ? 'add' : 'replace'),
    );
  } catch (error) {
    if (error instanceof TooManyTopicsError) {
      throw new EmulatorHttpError(400, ERROR_CODES.badRequest, error.message, {
        details: [{ errorCode: 'too_big', fieldName: '(body)', errorMessage: error.message }],
      });
    }
    throw error;
  }
}

/**
 * An assistant responses topic is valid only where the topic is served and for a known assistant; a
 * request naming an invalid one is refused whole, as Genesys refuses a subscription list with an
 * unknown topic.
 */
function checkAssistantTopics(context: ApiOperationContext, topics: readonly string[]): void {
  for (const topic of topics) {
    const assistantId = assistantIdFromTopic(topic);
    if (assistantId === undefined) continue;
    const problem = !context.assistantResponsesTopic
      ? 'is not a topic of this organisation; subscribe to each conversation topic instead'
      : context.assistants.has(assistantId)
        ? undefined
        : `names an unknown assistant (${assistantId})`;
    if (problem !== undefined) {
      const message = `Topic ${topic} ${problem}.`;
      throw new EmulatorHttpError(400, ERROR_CODES.badRequest, message, {
        details: [{ errorCode: 'invalid.topic', fieldName: 'id', errorMessage: message }],
      });
    }
  }
}

function hostOf(request: ApiRequest): string | undefined {
  const host = request.headers.host;
  return Array.isArray(host) ? host[0] : host;
}

function assistantNotFound(assistantId: string): EmulatorHttpError {
  return new EmulatorHttpError(404, ERROR_CODES.notFound, `Assistant ${assistantId} was not found.`);
}

function idempotencyKey(headers: ApiRequest['headers']): string | undefined {
  const value = headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
  const key = Array.isArray(value) ? value[0] : value;
  if (key === undefined) return undefined;
  if (key.trim() === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw validationError('header', [
      {
        path: [IDEMPOTENCY_KEY_HEADER],
        code: 'invalid',
        message: `must be 1..${MAX_IDEMPOTENCY_KEY_LENGTH} characters (one UUID per logical injection)`,
      },
    ]);
  }
  return key;
}
