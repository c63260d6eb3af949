/**
 * A response backend over one socket transport: create the conversation, then stream its answer on
 * the transport's shared sockets. The notification and direct backends are this, with their transport.
 */
import { createConversation } from './conversation-created.js';
import type {
  ResponseBackend,
  ResponseEvents,
  ResponseOutcome,
  ResponseRequest,
} from './response-backend.js';
import type { ConversationApi } from './stream-backend.js';
import type { ResponseStreamTransport } from './stream-transport.js';

/**
 * The backend that answers through `transport`, which it owns and closes.
 * @param api the conversation endpoints
 * @param transport the socket transport
 */
export function socketBackend(api: ConversationApi, transport: ResponseStreamTransport): ResponseBackend {
  return {
    respond: (request, events) => streamAnswer(api, transport, request, events),
    stats: () => transport.stats(),
    close: () => transport.close(),
  };
}

async function streamAnswer(
  api: ConversationApi,
  transport: ResponseStreamTransport,
  request: ResponseRequest,
  events: ResponseEvents,
): Promise<ResponseOutcome> {
  // Listening before the create, so the answer's first chunk cannot be missed (no read needed).
  const preparing = transport.prepare?.(request.targetId, request.deadlineAt) ?? false;
  const counted = typeof preparing === 'boolean' ? preparing : await preparing;
  let conversationId: string | undefined;
  try {
    conversationId = await createConversation(api, request, events);
  } finally {
    if (counted && conversationId === undefined) transport.abandon?.(request.targetId);
  }
  // The stream ends itself when the request's signal fires (it listens on it).
  const handle = transport.open(request.targetId, conversationId, {
    ...(request.budgetTokens === undefined ? {} : { budgetTokens: request.budgetTokens }),
    ...(request.countTokens === undefined ? {} : { countTokens: request.countTokens }),
    signal: request.abort ?? request.signal,
    ...(request.deadlineAt === undefined ? {} : { deadlineAt: request.deadlineAt }),
    collectChunks: false,
    ...(request.collectChunks ? { onChunk: events.chunk.bind(events) } : {}),
  });
  return handle.result;
}
