/**
 * The audit entry: its fields, how it is hashed into the chain, and how a line is read back. Shared
 * by every writer and by the verifier so they cannot disagree. A line is valid only when it is exactly
 * the canonical JSON of its entry: duplicate keys, reordered keys or extra whitespace are refused, so
 * one entry has one byte form and the trail cannot be edited without changing its bytes' meaning.
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Event type of an injection outcome (the original design's). */
export const AUDIT_EVENT_INJECTION = 'AI_PROMPT_INJECTION';

/**
 * Event type of the entry a file writer appends after a crash left a torn (partial) last line: it
 * records the length and SHA-256 of the fragment it overwrote, so the crash stays on the record.
 */
export const AUDIT_EVENT_TORN_TAIL_RECOVERED = 'AUDIT_LOG_TORN_TAIL_RECOVERED';

/** `AUDITED` when the injection was reported done, `FAILED` (with `errorCode`) when it failed. */
export type ComplianceStatus = 'AUDITED' | 'FAILED';

/** One line of the audit trail. Only hashes and identifiers: never prompt text, values or secrets. */
export interface AuditEntry {
  /** 1, 2, 3, ... with no gaps, in trail order. */
  seq: number;
  /** ISO 8601 time of the append. */
  timestamp: string;
  eventType: string;
  /** Null when the injection failed before the conversation was created (and in recovery entries). */
  conversationId: string | null;
  assistantId: string | null;
  /** SHA-256 hex of the canonical JSON of the payload sent. */
  promptHash: string | null;
  userId: string | null;
  complianceStatus: ComplianceStatus;
  /** The error's code, only when `FAILED`. */
  errorCode?: string;
  /** The response backend that handled the injection (absent in entries written before it was recorded). */
  backend?: string;
  /** The version of the target that answered (a guide version), when the backend reports one. */
  targetVersion?: string;
  /** Recovery entries only: byte length of the torn fragment that was overwritten. */
  tornBytes?: number;
  /** Recovery entries only: SHA-256 hex of that fragment. */
  tornSha256?: string;
  /** `hash` of the previous entry; `GENESIS_HASH` for the first. */
  prevHash: string;
  /** SHA-256 (or HMAC-SHA-256) of `prevHash + canonicalJson(entry without hash)`. */
  hash: string;
}

/** Computes an entry's `hash`: plain SHA-256, or HMAC-SHA-256 when a key is given. */
export function computeEntryHash(entry: Omit<AuditEntry, 'hash'>, hmacKey?: string): string {
  const input = entry.prevHash + canonicalJson(entry);
  const digest = hmacKey === undefined ? createHash('sha256') : createHmac('sha256', hmacKey);
  return digest.update(input, 'utf8').digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;
const STATUSES: readonly string[] = ['AUDITED', 'FAILED'];
const KEYS = new Set([
  'seq',
  'timestamp',
  'eventType',
  'conversationId',
  'assistantId',
  'promptHash',
  'userId',
  'complianceStatus',
  'errorCode',
  'backend',
  'targetVersion',
  'tornBytes',
  'tornSha256',
  'prevHash',
  'hash',
]);

/** True when `text` is 64 lower-case hex digits (a SHA-256 hex digest). */
export function isHex64(text: unknown): text is string {
  return typeof text === 'string' && HEX64.test(text);
}

/** What `readEntryLine` found: the entry, or why the line is not one. */
export type EntryLineReading =
  { entry: AuditEntry; problem?: undefined } | { entry?: undefined; problem: string };

/**
 * Reads one line strictly: it must be JSON of an object with the entry's fields, of the right types,
 * no other field, and be byte for byte the canonical serialisation of that object.
 */
export function readEntryLine(line: string): EntryLineReading {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: 'is not a JSON object' };
  }
  const e = value as Record<string, unknown>;
  const unknownKey = Object.keys(e).find((k) => !KEYS.has(k));
  if (unknownKey !== undefined) return { problem: `has a field that is not an audit field` };
  const nullableString = (v: unknown): boolean => v === null || typeof v === 'string';
  const wellFormed =
    Number.isSafeInteger(e.seq) &&
    (e.seq as number) >= 1 &&
    typeof e.timestamp === 'string' &&
    typeof e.eventType === 'string' &&
    nullableString(e.conversationId) &&
    nullableString(e.assistantId) &&
    nullableString(e.promptHash) &&
    nullableString(e.userId) &&
    STATUSES.includes(e.complianceStatus as string) &&
    (e.errorCode === undefined || typeof e.errorCode === 'string') &&
    (e.backend === undefined || typeof e.backend === 'string') &&
    (e.targetVersion === undefined || typeof e.targetVersion === 'string') &&
    (e.tornBytes === undefined || Number.isSafeInteger(e.tornBytes)) &&
    (e.tornSha256 === undefined || isHex64(e.tornSha256)) &&
    isHex64(e.prevHash) &&
    isHex64(e.hash);
  if (!wellFormed) return { problem: 'is not a well-formed audit entry' };
  if (flatCanonicalJson(e) !== line) {
    return {
      problem:
        'is not the canonical form of its entry (keys duplicated or out of order, or whitespace changed)',
    };
  }
  return { entry: value as AuditEntry };
}

/**
 * `canonicalJson` of a flat object whose values are strings, numbers or null (a well-formed entry):
 * the same bytes, without the general encoder's per-value work.
 */
function flatCanonicalJson(value: Record<string, unknown>): string {
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(value[key])}`;
  }
  return `${out}}`;
}

/** Parses one line into an entry (strictly, as `readEntryLine`), or undefined when it is not one. */
export function parseEntryLine(line: string): AuditEntry | undefined {
  return readEntryLine(line).entry;
}

/** True when the entry's `hash` is the hash of its other fields. */
export function entryHashMatches(entry: AuditEntry, hmacKey?: string): boolean {
  const { hash, ...rest } = entry;
  return computeEntryHash(rest, hmacKey) === hash;
}

/**
 * True when the entry read from `line` (strictly, so `line` is its canonical form) has a `hash` that
 * matches its other fields. Faster than `entryHashMatches`: the canonical form without `hash` is the
 * line with its `hash` member cut out (a raw `,"hash":"` cannot occur inside a JSON string, whose
 * quotes are escaped), so nothing is serialised again.
 */
export function lineHashMatches(line: string, entry: AuditEntry, hmacKey?: string): boolean {
  const member = `,"hash":"${entry.hash}"`;
  const at = line.indexOf(member);
  if (at === -1) return entryHashMatches(entry, hmacKey);
  const digest = hmacKey === undefined ? createHash('sha256') : createHmac('sha256', hmacKey);
  digest.update(entry.prevHash, 'utf8');
  digest.update(line.slice(0, at), 'utf8');
  digest.update(line.slice(at + member.length), 'utf8');
  return digest.digest('hex') === entry.hash;
}

/** The line written for an entry (canonical JSON, no newline). */
export function formatEntryLine(entry: AuditEntry): string {
  return canonicalJson(entry);
}
