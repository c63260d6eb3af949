/**
 * The hooks every stream of one socket transport shares: one object per transport, not two closures
 * per open stream — each stream carries its assistant, conversation and deadline itself.
 */
import type { ResponseLimits } from '../limits.js';
import type { ConversationStream, ConversationStreamHooks } from './conversation-stream.js';
import type { StreamBackend } from './stream-backend.js';

/**
 * Hooks that read a stream's conversation through `backend` and hand a settled stream to `release`.
 * @param options the transport's backend, quiet time before a read, answer limits
 * @param release drops a settled stream's subscription
 */
export function transportStreamHooks(
  options: {
    backend: Pick<StreamBackend, 'getConversation'>;
    idleReadMs?: number | undefined;
    limits?: Pick<ResponseLimits, 'maxAnswerChars' | 'maxPendingChunks'> | undefined;
  },
  release: (stream: ConversationStream) => void,
): ConversationStreamHooks {
  const { backend, idleReadMs, limits } = options;
  return {
    readConversation: (signal, stream) =>
      backend.getConversation(stream.assistantId, stream.conversationId, signal, stream.deadlineAt),
    onSettled: release,
    ...(idleReadMs === undefined ? {} : { idleReadMs }),
    ...(limits === undefined ? {} : { limits }),
  };
}
