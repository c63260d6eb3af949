/**
 * The chain helpers every sink uses: from the head of a trail and the fields of new appends to the
 * sealed entries and their lines. A sink only has to store lines in order, atomically with reading
 * its head; these functions decide what the lines are.
 */
import {
  AUDIT_EVENT_INJECTION,
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  type AuditEntry,
  computeEntryHash,
  formatEntryLine,
  lineHashMatches,
  GENESIS_HASH,
} from './audit-entry.js';
import type { AuditAppendFields } from './audit-fields.js';

/** The last entry of a trail: what the next entry chains from. */
export interface AuditChainHead {
  /** `seq` of the last entry; 0 for an empty trail. */
  seq: number;
  /** `hash` of the last entry; `GENESIS_HASH` for an empty trail. */
  hash: string;
}

/** The head of an empty trail. */
export const EMPTY_CHAIN_HEAD: AuditChainHead = Object.freeze({ seq: 0, hash: GENESIS_HASH });

/** An entry with its `hash` computed (HMAC-SHA-256 when a key is given). */
export function sealEntry(entry: Omit<AuditEntry, 'hash'>, hmacKey?: string): AuditEntry {
  return { ...entry, hash: computeEntryHash(entry, hmacKey) };
}

/** New entries chained after a head, with their lines and the new head. */
export interface ChainedEntries {
  entries: AuditEntry[];
  /** One canonical line per entry, without newline. */
  lines: string[];
  head: AuditChainHead;
}

/**
 * Chains entries for `fields` (already checked by `checkAuditFields`) after `head`, all with the one
 * `timestamp` of their batch.
 */
export function chainEntries(
  head: AuditChainHead,
  fields: readonly AuditAppendFields[],
  timestamp: string,
  hmacKey?: string,
): ChainedEntries {
  let { seq, hash } = head;
  const entries: AuditEntry[] = [];
  for (const f of fields) {
    seq += 1;
    const entry = sealEntry(
      {
        seq,
        timestamp,
        eventType: f.eventType ?? AUDIT_EVENT_INJECTION,
        conversationId: f.conversationId,
        assistantId: f.assistantId,
        promptHash: f.promptHash,
        userId: f.userId,
        complianceStatus: f.complianceStatus ?? 'AUDITED',
        ...(f.errorCode === undefined ? {} : { errorCode: f.errorCode }),
        ...(f.backend === undefined ? {} : { backend: f.backend }),
        ...(f.targetVersion === undefined ? {} : { targetVersion: f.targetVersion }),
        prevHash: hash,
      },
      hmacKey,
    );
    hash = entry.hash;
    entries.push(entry);
  }
  return { entries, lines: entries.map(formatEntryLine), head: { seq, hash } };
}

/**
 * The entry that replaces a torn fragment (the unterminated bytes a crash left at the end of a file
 * trail): it records the fragment's length and SHA-256, so the crash stays on the record.
 */
export function tornTailRecoveryEntry(
  head: AuditChainHead,
  fragment: { bytes: number; sha256: string },
  timestamp: string,
  hmacKey?: string,
): AuditEntry {
  return sealEntry(
    {
      seq: head.seq + 1,
      timestamp,
      eventType: AUDIT_EVENT_TORN_TAIL_RECOVERED,
      conversationId: null,
      assistantId: null,
      promptHash: null,
      userId: null,
      complianceStatus: 'AUDITED',
      tornBytes: fragment.bytes,
      tornSha256: fragment.sha256,
      prevHash: head.hash,
    },
    hmacKey,
  );
}

/**
 * Checks that `entry` continues the chain after `head` with a hash that matches (with `hmacKey`).
 * Returns the problem, or undefined when it does.
 * @param line the entry's canonical line, when at hand (checks the hash without serialising again)
 */
export function chainLinkProblem(
  head: AuditChainHead,
  entry: AuditEntry,
  hmacKey: string | undefined,
  line?: string,
): string | undefined {
  if (entry.seq !== head.seq + 1) return `has seq ${entry.seq} where ${head.seq + 1} was expected`;
  if (entry.prevHash !== head.hash) return 'does not chain from the entry before it';
  const matches =
    line === undefined
      ? computeEntryHash(withoutHash(entry), hmacKey) === entry.hash
      : lineHashMatches(line, entry, hmacKey);
  if (!matches) {
    return hmacKey === undefined
      ? 'has a hash that does not match its content'
      : 'has a hash that does not match its content with this HMAC key';
  }
  return undefined;
}

function withoutHash(entry: AuditEntry): Omit<AuditEntry, 'hash'> {
  const { hash: _hash, ...rest } = entry;
  return rest;
}
