/**
 * The JSON of a create-conversation payload: the create call's body and the input of its prompt hash
 * are the same bytes. Written out for the payload's fixed shape (`ConversationCreateRequest` is a
 * strict schema) with keys in sorted order, it is the payload's canonical JSON — equal to
 * `canonicalJson(payload)`, which a property test holds it to — without the generic walk that sorts
 * keys at every depth.
 */
import type { ConversationCreateRequest } from './conversation.js';

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
 * Canonical JSON of a payload: `canonicalJson(payload)`, for the payload's fixed shape. Cheap to write
 * again (the system message's JSON is remembered), so it is written for the hash when the prompt is
 * prepared and again for the body when it is sent, rather than kept while the injection waits.
 * @param payload a payload as `preparePrompt` builds it
 */
export function payloadJson(payload: ConversationCreateRequest): string {
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
