/**
 * The AI response events of docs/protocol.md. The three event bodies are the same on both transports;
 * the direct socket adds subscribe/subscribed/unsubscribe, the notification service wraps each
 * body in a topic frame.
 */
import { z } from 'zod';
import { FinishReasonSchema, UsageSchema } from './conversation.js';

export const AiResponseChunkSchema = z.object({
  type: z.literal('aiResponseChunk'),
  data: z.object({
    conversationId: z.string().min(1),
    sequence: z.number().int().positive(),
    content: z.string(),
  }),
});
export type AiResponseChunk = z.infer<typeof AiResponseChunkSchema>;

export const AiResponseCompleteSchema = z.object({
  type: z.literal('aiResponseComplete'),
  data: z.object({
    conversationId: z.string().min(1),
    finishReason: FinishReasonSchema,
    usage: UsageSchema,
    safetyPolicyTriggered: z.boolean(),
  }),
});
export type AiResponseComplete = z.infer<typeof AiResponseCompleteSchema>;

export const AiResponseErrorSchema = z.object({
  type: z.literal('aiResponseError'),
  data: z.object({
    conversationId: z.string().min(1),
    code: z.string(),
    message: z.string(),
  }),
});
export type AiResponseError = z.infer<typeof AiResponseErrorSchema>;

/** Any of the three AI response events. */
export const AiStreamEventSchema = z.discriminatedUnion('type', [
  AiResponseChunkSchema,
  AiResponseCompleteSchema,
  AiResponseErrorSchema,
]);
export type AiStreamEvent = z.infer<typeof AiStreamEventSchema>;

// ---- direct transport: ws(s)://{api origin}/api/v2/conversations ----

/** Path of the original design's direct socket. */
export const DIRECT_SOCKET_PATH = '/api/v2/conversations';

/**
 * How the server closes a direct socket whose access token expired or was revoked: the client logs in
 * again and reconnects (a socket never outlives the token that opened it).
 */
export const TOKEN_EXPIRED_CLOSE = { code: 4401, reason: 'access token expired' } as const;

export const DirectSubscribeSchema = z.object({
  type: z.enum(['subscribe', 'unsubscribe']),
  data: z.object({ conversationId: z.string().min(1) }),
});
export type DirectSubscribe = z.infer<typeof DirectSubscribeSchema>;

export const DirectSubscribedSchema = z.object({
  type: z.literal('subscribed'),
  data: z.object({ conversationId: z.string().min(1) }),
});
export type DirectSubscribed = z.infer<typeof DirectSubscribedSchema>;

/** Everything the server may send on the direct socket. */
export const DirectServerMessageSchema = z.union([AiStreamEventSchema, DirectSubscribedSchema]);
export type DirectServerMessage = z.infer<typeof DirectServerMessageSchema>;
