/**
 * `stream: false` (docs/protocol.md, read a conversation): create the conversation, then read it every `pollIntervalMs`
 * until it completes. No socket; the whole answer arrives in the read that sees it completed.
 */
import type { Conversation } from '../contract/conversation.js';
import { AbortError, LimitExceededError, StreamError } from '../errors.js';
import { LIMIT_OPTION } from '../limits.js';
import { abortableDelay } from '../timers/abortable-delay.js';
import { createConversation } from './conversation-created.js';
import type {
  ResponseBackendContext,
  ResponseBackendFactory,
  ResponseEvents,
  ResponseOutcome,
  ResponseRequest,
} from './response-backend.js';

/** `backend: 'polling'`, and what the socket backends use for `stream: false`. */
export const pollingBackend: ResponseBackendFactory = {
  name: 'polling',
  create: (context) => ({
    respond: (request, events) => pollAnswer(context, request, events),
    close: async () => {},
  }),
};

async function pollAnswer(
  { conversations, pollIntervalMs, limits }: ResponseBackendContext,
  request: ResponseRequest,
  events: ResponseEvents,
): Promise<ResponseOutcome> {
  const conversationId = await createConversation(conversations, request, events);
  const signal = request.abort ?? request.signal;
  const started = performance.now();
  let firstTextAt: number | undefined;
  for (;;) {
    const conversation: Conversation = await conversations.getConversation(
      request.targetId,
      conversationId,
      signal,
      request.deadlineAt,
    );
    if (conversation.response.text.length > limits.maxAnswerChars) {
      throw new LimitExceededError(
        `the answer of conversation ${conversationId}`,
        LIMIT_OPTION.maxAnswerChars,
        limits.maxAnswerChars,
        'characters',
      );
    }
    if (firstTextAt === undefined && conversation.response.text !== '') firstTextAt = performance.now();
    if (conversation.status === 'failed') {
      throw new StreamError('the assistant failed to answer; retry the injection', {
        code: 'conversation.failed',
        conversationId,
      });
    }
    if (conversation.status === 'completed') {
      const end = performance.now();
      return {
        conversationId,
        text: conversation.response.text,
        finishReason: conversation.response.finishReason ?? 'stop',
        truncated: false,
        usage: conversation.usage,
        safetyPolicyTriggered: conversation.safetyPolicyTriggered,
        malformedFrames: 0,
        timeToFirstChunkMs: firstTextAt === undefined ? undefined : firstTextAt - started,
        streamDurationMs: firstTextAt === undefined ? 0 : end - firstTextAt,
      };
    }
    await abortableDelay(pollIntervalMs, signal);
    if (signal.aborted) throw new AbortError();
  }
}
