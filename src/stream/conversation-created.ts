/**
 * The first step of every conversation backend: create the conversation (docs/protocol.md, create a conversation) under the
 * injection's idempotency key and report it as `accepted`.
 */
import type { ResponseEvents, ResponseRequest } from './response-backend.js';
import type { ConversationApi } from './stream-backend.js';

/**
 * Creates the conversation, reports `accepted`, and resolves with the conversation's id.
 * @param api the conversation endpoints
 * @param request the injection (its payload is handed over here)
 * @param events told `accepted`
 */
export async function createConversation(
  api: ConversationApi,
  request: ResponseRequest,
  events: ResponseEvents,
): Promise<string> {
  const created = await api.createConversation(request.targetId, request.takePayload(), {
    idempotencyKey: request.idempotencyKey,
    signal: request.abort ?? request.signal,
    ...(request.deadlineAt === undefined ? {} : { deadlineMs: Math.max(1, request.deadlineAt - Date.now()) }),
  });
  const conversationId = created.value.id;
  events.accepted({ conversationId, retries: created.retries });
  return conversationId;
}
