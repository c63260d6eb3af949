/**
 * The conversation contract (docs/protocol.md: create and read a conversation), written once and used by both sides:
 * the client checks what it receives, the emulator checks what it is sent.
 */
import { z } from 'zod';

/** Scope needed to create a conversation. */
export const SCOPE_ASSISTANT_WRITE = 'ai:assistant:write';
/** Scope needed to read a conversation and to stream its events. */
export const SCOPE_ASSISTANT_READ = 'ai:assistant:read';

/** Path of the create endpoint; `{assistantId}` is the only parameter. */
export const conversationsPath = (assistantId: string): string =>
  `/api/v2/ai/assistants/${encodeURIComponent(assistantId)}/conversations`;

/** Path of the read endpoint. */
export const conversationPath = (assistantId: string, conversationId: string): string =>
  `${conversationsPath(assistantId)}/${encodeURIComponent(conversationId)}`;

export const MessageRoleSchema = z.enum(['system', 'user', 'assistant']);
export type MessageRole = z.infer<typeof MessageRoleSchema>;

export const PromptMessageSchema = z.strictObject({
  role: MessageRoleSchema,
  content: z.string().min(1),
});
export type PromptMessage = z.infer<typeof PromptMessageSchema>;

export const SafetyPolicySchema = z.enum(['strict', 'standard']);
export type SafetyPolicy = z.infer<typeof SafetyPolicySchema>;

export const ConversationSettingsSchema = z.strictObject({
  maxTokens: z.number().int().positive(),
  temperature: z.number().min(0).max(2),
  safetyPolicy: SafetyPolicySchema,
});
export type ConversationSettings = z.infer<typeof ConversationSettingsSchema>;

/** Body of `POST /api/v2/ai/assistants/{assistantId}/conversations`: exactly the original design's shape. */
export const ConversationCreateRequestSchema = z.strictObject({
  assistantId: z.string().min(1),
  messages: z.array(PromptMessageSchema).min(1),
  settings: ConversationSettingsSchema,
});
export type ConversationCreateRequest = z.infer<typeof ConversationCreateRequestSchema>;

export const ConversationStatusSchema = z.enum(['queued', 'streaming', 'completed', 'failed']);
export type ConversationStatus = z.infer<typeof ConversationStatusSchema>;

/** 201 body of the create endpoint. */
export const ConversationCreatedSchema = z.object({
  id: z.string().min(1),
  assistantId: z.string().min(1),
  status: ConversationStatusSchema,
  createdAt: z.string(),
});
export type ConversationCreated = z.infer<typeof ConversationCreatedSchema>;

export const FinishReasonSchema = z.enum(['stop', 'length', 'safety']);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

export const UsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;

/** 200 body of the read endpoint. `response.sequence` is the last chunk included in `response.text`. */
export const ConversationSchema = ConversationCreatedSchema.extend({
  response: z.object({
    text: z.string(),
    sequence: z.number().int().nonnegative(),
    finishReason: FinishReasonSchema.nullable(),
  }),
  usage: UsageSchema,
  safetyPolicyTriggered: z.boolean(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

/** Header carrying one UUID per logical injection, reused across its retries. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** How long the server remembers an idempotency key. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The original design's example assistant, known to the emulator by default. */
export const SEED_ASSISTANT_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
