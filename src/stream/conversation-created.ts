/**
 * The first step of every conversation backend: create the conversation (docs/protocol.md, create a conversation) under the
 * injection's idempotency key and report it as `accepted`.
 */
import type { ResponseEvent, ResponseRequest } from './response-backend.js';
import type { ConversationApi } from './stream-backend.js';

/**
 * Creates the conversation, yields `accepted`, and returns the conversation's id.
 * @param api the conversation endpoints
 * @param request the injection (its payload is handed over here)
 */
export async function* createConversation(
  api: ConversationApi,
  request: ResponseRequest,
): AsyncGenerator<ResponseEvent, string, undefined> {
  const created = await api.createConversation(request.targetId, request.takePayload(), {
    idempotencyKey: request.idempotencyKey,
    signal: request.signal,
    ...(request.deadlineAt === undefined ? {} : { deadlineMs: Math.max(1, request.deadlineAt - Date.now()) }),
  });
  const conversationId = created.value.id;
  yield { type: 'accepted', conversationId, retries: created.retries };
  return conversationId;
}
