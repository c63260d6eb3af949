/**
 * Hand-written checks of what a socket frame carries (and of the create call's answer, which every
 * injection reads too), for values that come from `JSON.parse`: each
 * accepts exactly what its zod schema accepts and returns what the schema's parse returns (unknown keys
 * dropped), without zod's per-call cost. A frame arrives for every chunk of every answer, so this is
 * the hot path; the schemas stay the contract, and a property test holds these checks to them
 * (`test/contract/frame-check.test.ts`).
 */
import type { ConversationCreated, FinishReason, Usage } from './conversation.js';
import type { NotificationFrame } from './notifications.js';
import type { AiStreamEvent } from './stream-events.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

function isFinishReason(value: unknown): value is FinishReason {
  return value === 'stop' || value === 'length' || value === 'safety';
}

function usageOf(value: unknown): Usage | undefined {
  if (!isObject(value)) return undefined;
  const { promptTokens, completionTokens } = value;
  if (!isCount(promptTokens, 0) || !isCount(completionTokens, 0)) return undefined;
  return { promptTokens, completionTokens };
}

/**
 * `AiStreamEventSchema.safeParse(value)`'s data, or undefined where it fails.
 * @param value a value from `JSON.parse`
 */
export function checkAiStreamEvent(value: unknown): AiStreamEvent | undefined {
  if (!isObject(value) || !isObject(value.data)) return undefined;
  const data = value.data;
  const conversationId = data.conversationId;
  if (typeof conversationId !== 'string' || conversationId.length === 0) return undefined;
  switch (value.type) {
    case 'aiResponseChunk': {
      const { sequence, content } = data;
      if (!isCount(sequence, 1) || typeof content !== 'string') return undefined;
      return { type: 'aiResponseChunk', data: { conversationId, sequence, content } };
    }
    case 'aiResponseComplete': {
      const { finishReason, safetyPolicyTriggered } = data;
      const usage = usageOf(data.usage);
      if (!isFinishReason(finishReason) || usage === undefined || typeof safetyPolicyTriggered !== 'boolean')
        return undefined;
      return {
        type: 'aiResponseComplete',
        data: { conversationId, finishReason, usage, safetyPolicyTriggered },
      };
    }
    case 'aiResponseError': {
      const { code, message } = data;
      if (typeof code !== 'string' || typeof message !== 'string') return undefined;
      return { type: 'aiResponseError', data: { conversationId, code, message } };
    }
    default:
      return undefined;
  }
}

/**
 * `NotificationFrameSchema.safeParse(value)`'s data, or undefined where it fails.
 * @param value a value from `JSON.parse`
 */
export function checkNotificationFrame(value: unknown): NotificationFrame | undefined {
  if (!isNotificationFrame(value)) return undefined;
  const { topicName, version, eventBody, metadata } = value;
  const frame: NotificationFrame = { topicName, eventBody };
  if (version !== undefined) frame.version = version;
  if (metadata !== undefined) {
    const correlationId = metadata.CorrelationId;
    frame.metadata = correlationId === undefined ? {} : { CorrelationId: correlationId };
  }
  return frame;
}

/**
 * Whether `NotificationFrameSchema` accepts `value`, without building the stripped copy (a channel
 * reads only the topic and the body of each frame).
 * @param value a value from `JSON.parse`
 */
export function isNotificationFrame(value: unknown): value is NotificationFrame & Json {
  if (!isObject(value) || typeof value.topicName !== 'string' || !('eventBody' in value)) return false;
  const { version, metadata } = value;
  if (version !== undefined && typeof version !== 'string') return false;
  if (metadata === undefined) return true;
  if (!isObject(metadata)) return false;
  const correlationId = metadata.CorrelationId;
  return correlationId === undefined || typeof correlationId === 'string';
}

const CONVERSATION_STATUSES: ReadonlySet<unknown> = new Set(['queued', 'streaming', 'completed', 'failed']);

/**
 * `ConversationCreatedSchema.safeParse(value)`'s data, or undefined where it fails: the answer of
 * every create, so the same hot path as a frame.
 * @param value a value from `JSON.parse`
 */
export function checkConversationCreated(value: unknown): ConversationCreated | undefined {
  if (!isObject(value)) return undefined;
  const { id, assistantId, status, createdAt } = value;
  if (typeof id !== 'string' || id.length === 0) return undefined;
  if (typeof assistantId !== 'string' || assistantId.length === 0) return undefined;
  if (!CONVERSATION_STATUSES.has(status) || typeof createdAt !== 'string') return undefined;
  return { id, assistantId, status: status as ConversationCreated['status'], createdAt };
}
