/**
 * The guide session id of an injection, derived from its idempotency key: a retried or resumed
 * injection (same key) continues the same session instead of starting a second one. The id is
 * UUID-shaped (SHA-256 of a fixed namespace and the key, with the version and variant bits of a
 * name-based UUID), so it never reveals the key.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';

const NAMESPACE = 'genesys-prompt-injector/guide-session\u0000';

/**
 * The `guideSessionId` for an idempotency key.
 * @param idempotencyKey the injection's key (any non-empty string)
 * @throws ValidationError for an empty key
 */
export function guideSessionIdFor(idempotencyKey: string): string {
  if (typeof idempotencyKey !== 'string' || idempotencyKey.trim() === '') {
    throw new ValidationError(
      'idempotencyKey',
      'is empty',
      'pass a non-empty idempotency key (a UUID is usual)',
    );
  }
  const hex = createHash('sha256').update(NAMESPACE).update(idempotencyKey).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
