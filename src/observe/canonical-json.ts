/**
 * Deterministic JSON: the same value always gives the same bytes, whatever the key insertion order.
 * Used for the prompt hash and the audit chain, where two encoders must agree byte for byte.
 */
import * as crypto from 'node:crypto';

/**
 * Serialises `value` like `JSON.stringify` with no whitespace and object keys sorted (by UTF-16 code
 * units, as RFC 8785 does) at every depth. Follows `JSON.stringify` for the rest: `toJSON` is called,
 * `undefined`, functions and symbols are skipped in objects and become `null` in arrays, non-finite
 * numbers become `null`. Throws `TypeError` for a top-level value JSON cannot hold, a bigint or a cycle.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value, new Set<object>());
  if (text === undefined)
    throw new TypeError('canonicalJson: the value has no JSON form (undefined, function or symbol)');
  return text;
}

function encode(value: unknown, ancestors: Set<object>): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form; convert it to a string or number first');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ancestors.has(object)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return `[${object.map((item) => encode(item, ancestors) ?? 'null').join(',')}]`;
    }
    const parts: string[] = [];
    for (const key of Object.keys(object).sort()) {
      const encoded = encode((object as Record<string, unknown>)[key], ancestors);
      if (encoded !== undefined) parts.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.delete(object);
  }
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lower-case hex digits. */
export function sha256Hex(text: string): string {
  return oneShotHash === undefined
    ? crypto.createHash('sha256').update(text, 'utf8').digest('hex')
    : oneShotHash('sha256', text, 'hex');
}

/** `crypto.hash` (Node 20.12 and later): one call, no Hash object. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/**
 * The audit trail's prompt hash: SHA-256 hex of the canonical JSON of the payload actually sent
 * (the original design used a random UUID, which proves nothing).
 */
export function promptHash(payload: unknown): string {
  return sha256Hex(canonicalJson(payload));
}
