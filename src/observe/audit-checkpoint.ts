/**
 * Checkpoints: a statement `{count, headHash, time, prevHash}` about a trail — "it held `count`
 * entries, the last with hash `headHash`" — chained to the checkpoint before it and, when a signing
 * key is configured, signed with Ed25519, as AWS CloudTrail's digest files and Certificate
 * Transparency's signed tree heads are. A verifier holding checkpoints kept elsewhere detects a trail
 * cut short (fewer entries than a checkpoint) or rewritten (another hash at a checkpoint's count).
 * Unsigned checkpoints only catch accidents: whoever can edit the trail can edit them too.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { isHex64 } from './audit-entry.js';
import type { AuditSigningKey } from './audit-signing-key.js';
import { canonicalJson } from './canonical-json.js';

/** One checkpoint line. */
export interface AuditCheckpoint {
  /** Entries in the trail when it was written. */
  count: number;
  /** `hash` of entry `count` (the genesis hash for 0). */
  headHash: string;
  /** ISO 8601 time it was written. */
  time: string;
  /** SHA-256 hex of the previous checkpoint's line; the genesis hash for the first. */
  prevHash: string;
  /** File trails only: the trail's size in bytes up to the end of entry `count`. */
  trailBytes?: number;
  /** `hmac-sha256` when the entries are chained with an HMAC key; absent for plain SHA-256. */
  chain?: 'hmac-sha256';
  /** Signed checkpoints: SHA-256 hex of the signing key's public DER (SPKI) form. */
  keyId?: string;
  /** Signed checkpoints: the public key's DER (SPKI) form, base64. */
  publicKey?: string;
  /** Signed checkpoints: Ed25519 signature, base64, of the canonical JSON of every other field. */
  signature?: string;
}

/** What a checkpoint states before it is signed. */
export type AuditCheckpointBody = Pick<
  AuditCheckpoint,
  'count' | 'headHash' | 'time' | 'prevHash' | 'trailBytes' | 'chain'
>;

const KEYS = new Set([
  'count',
  'headHash',
  'time',
  'prevHash',
  'trailBytes',
  'chain',
  'keyId',
  'publicKey',
  'signature',
]);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The checkpoint for `body`, signed when `key` is given. */
export function makeCheckpoint(body: AuditCheckpointBody, key?: AuditSigningKey): AuditCheckpoint {
  const plain: AuditCheckpoint = {
    count: body.count,
    headHash: body.headHash,
    time: body.time,
    prevHash: body.prevHash,
    ...(body.trailBytes === undefined ? {} : { trailBytes: body.trailBytes }),
    ...(body.chain === undefined ? {} : { chain: body.chain }),
  };
  if (key === undefined) return plain;
  const unsigned = { ...plain, keyId: key.publicKey.keyId, publicKey: key.publicKey.spkiBase64 };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned), 'utf8'), key.privateKey);
  return { ...unsigned, signature: signature.toString('base64') };
}

/** The line written for a checkpoint (canonical JSON, no newline). */
export function formatCheckpointLine(checkpoint: AuditCheckpoint): string {
  return canonicalJson(checkpoint);
}

/** SHA-256 hex of a checkpoint line: the next checkpoint's `prevHash`. */
export function checkpointLineHash(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** What `readCheckpointLine` found: the checkpoint, or why the line is not one. */
export type CheckpointLineReading =
  { checkpoint: AuditCheckpoint; problem?: undefined } | { checkpoint?: undefined; problem: string };

/** Reads one checkpoint line strictly (known fields, right types, canonical bytes). */
export function readCheckpointLine(line: string): CheckpointLineReading {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'is not a JSON object' };
  }
  const c = value as Record<string, unknown>;
  if (Object.keys(c).some((k) => !KEYS.has(k)))
    return { problem: 'has a field that is not a checkpoint field' };
  const signed = c.signature !== undefined || c.keyId !== undefined || c.publicKey !== undefined;
  const wellFormed =
    Number.isSafeInteger(c.count) &&
    (c.count as number) >= 0 &&
    isHex64(c.headHash) &&
    typeof c.time === 'string' &&
    isHex64(c.prevHash) &&
    (c.trailBytes === undefined || (Number.isSafeInteger(c.trailBytes) && (c.trailBytes as number) >= 0)) &&
    (c.chain === undefined || c.chain === 'hmac-sha256') &&
    (!signed ||
      (isHex64(c.keyId) &&
        typeof c.publicKey === 'string' &&
        BASE64.test(c.publicKey) &&
        typeof c.signature === 'string' &&
        BASE64.test(c.signature)));
  if (!wellFormed) return { problem: 'is not a well-formed checkpoint' };
  if (canonicalJson(value) !== line) return { problem: 'is not the canonical form of its checkpoint' };
  return { checkpoint: value as AuditCheckpoint };
}

/** True when the checkpoint carries a signature. */
export function isSigned(checkpoint: AuditCheckpoint): boolean {
  return checkpoint.signature !== undefined;
}

/**
 * Checks a signed checkpoint's signature against the public key it carries, and that key against
 * `expected` when given (a key the verifier trusts). Returns the problem, or undefined when it holds.
 */
export function checkpointSignatureProblem(
  checkpoint: AuditCheckpoint,
  expected?: { keyId: string },
): string | undefined {
  const { signature, ...unsigned } = checkpoint;
  if (signature === undefined || unsigned.publicKey === undefined) return 'is not signed';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(unsigned.publicKey, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return 'carries a public key that is not a key';
  }
  if (key.asymmetricKeyType !== 'ed25519') return 'carries a key that is not Ed25519';
  const der = key.export({ type: 'spki', format: 'der' });
  if (createHash('sha256').update(der).digest('hex') !== unsigned.keyId) {
    return 'has a key id that is not the id of its key';
  }
  if (expected !== undefined && unsigned.keyId !== expected.keyId) {
    return `is signed by key ${shortKeyId(unsigned.keyId)}, not by the expected key ${shortKeyId(expected.keyId)}`;
  }
  const ok = verify(
    null,
    Buffer.from(canonicalJson(unsigned), 'utf8'),
    key,
    Buffer.from(signature, 'base64'),
  );
  return ok ? undefined : 'has a signature that does not verify';
}

/** The first 8 hex digits of a key id and an ellipsis, as reports show it. */
export function shortKeyId(keyId: string): string {
  return `${keyId.slice(0, 8)}…`;
}
