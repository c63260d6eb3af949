/**
 * The prompt hash of a create-conversation payload, without the generic canonical-JSON walk (sorting
 * keys at every depth): the payload's shape is fixed (`ConversationCreateRequest` is a strict
 * schema), so its canonical JSON is written out directly, keys in sorted order. Equal to
 * `promptHash(payload)` — a property test holds the two together.
 */
import type { ConversationCreateRequest } from '../contract/conversation.js';
import { sha256Hex } from './canonical-json.js';

const text = JSON.stringify;

/**
 * The last first message's content and its JSON: `preparePrompt` puts the system message first, and a
 * template sends the same one (the same string) on every injection.
 */
let lastFirst = '';
let lastFirstJson = '""';

function firstContentJson(content: string): string {
  if (content !== lastFirst) {
    lastFirst = content;
    lastFirstJson = text(content);
  }
  return lastFirstJson;
}

/**
 * Canonical JSON of a payload: `canonicalJson(payload)`, for the payload's fixed shape.
 * @param payload a payload as `preparePrompt` builds it
 */
export function payloadCanonicalJson(payload: ConversationCreateRequest): string {
  const { assistantId, messages, settings } = payload;
  let json = `{"assistantId":${text(assistantId)},"messages":[`;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as ConversationCreateRequest['messages'][number];
    const content = i === 0 ? firstContentJson(message.content) : text(message.content);
    json += `${i === 0 ? '' : ','}{"content":${content},"role":${text(message.role)}}`;
  }
  const { maxTokens, safetyPolicy, temperature } = settings;
  return `${json}],"settings":{"maxTokens":${text(maxTokens)},"safetyPolicy":${text(safetyPolicy)},"temperature":${text(temperature)}}}`;
}

/**
 * `promptHash(payload)` for a payload `preparePrompt` built.
 * @param payload the payload sent
 */
export function payloadHash(payload: ConversationCreateRequest): string {
  return sha256Hex(payloadCanonicalJson(payload));
}
