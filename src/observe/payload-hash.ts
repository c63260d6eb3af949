/**
 * The prompt hash of a create-conversation payload: SHA-256 of its canonical JSON, the same bytes the
 * create call sends (`payloadJson`). Equal to `promptHash(payload)` — a property test holds the two
 * together.
 */
import type { ConversationCreateRequest } from '../contract/conversation.js';
import { payloadJson } from '../contract/payload-json.js';
import { sha256Hex } from './canonical-json.js';

/**
 * `promptHash(payload)` for a payload `preparePrompt` built.
 * @param payload the payload sent
 */
export function payloadHash(payload: ConversationCreateRequest): string {
  return sha256Hex(payloadJson(payload));
}
