/**
 * Verification of an audit file written by `AuditLog`: the `seq` sequence, the `prevHash` chain and
 * every entry's own hash, read as a stream so big files cost constant memory.
 */
import { stat } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import {
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  type AuditEntry,
  entryHashMatches,
  GENESIS_HASH,
  parseEntryLine,
} from './audit-entry.js';
import { MAX_AUDIT_LINE_BYTES, readFileLines } from './audit-file-lines.js';
import type { AuditTrailSource } from './audit-sink.js';

/** Why verification stopped. */
export type AuditBreakReason =
  'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'malformed' | 'hash-mismatch';

/** The chain is intact. */
export interface AuditVerificationOk {
  ok: true;
  /** Valid entries (recovery entries included). */
  entries: number;
  /** The last line is an unterminated partial write (a crash mid-append), not counted in `entries`. */
  tornTail: boolean;
  /** Entries recording a torn tail repaired on reopen (crashes that were recovered). */
  recoveries: number;
  /** `seq` and `hash` of the last valid entry (0 and the genesis hash for an empty file). */
  lastSeq: number;
  lastHash: string;
}

/** The chain is broken: `entries` are valid before `brokenAt`. */
export interface AuditVerificationBroken {
  ok: false;
  entries: number;
  brokenAt: {
    /** 1-based line number of the first bad line (one past the end for a truncation). */
    line: number;
    /** `seq` the bad line claims, when it has one. */
    seq?: number;
    reason: AuditBreakReason;
    message: string;
  };
}

/** Result of `verifyAuditLog`. */
export type AuditVerification = AuditVerificationOk | AuditVerificationBroken;

/** Options of `verifyAuditLog`. */
export interface VerifyAuditLogOptions {
  /** The HMAC key the file was written with. */
  hmacKey?: string;
  /**
   * An anchor kept outside the file (`AuditLog.lastSeq` at some point): the file must hold at least
   * this many entries. Removing whole entries from the end is otherwise undetectable, since what
   * remains is a valid chain.
   */
  expectedEntries?: number;
  /** An anchor kept outside the file (`AuditLog.lastHash`): some entry must have this hash. */
  expectedLastHash?: string;
}

/**
 * Verifies a trail: the file at a path, or any sink's or source's lines. Reports the first modified, deleted, inserted, reordered,
 * malformed or (against an anchor) truncated entry. An unterminated last line is a torn tail (a
 * crash mid-write): the result stays `ok` with `tornTail: true`. Every newline-terminated line must
 * be a valid entry, because `AuditLog` repairs torn tails in place on reopen (see its class comment);
 * so a bad line before the end is always reported as tampering. Rejects when the file cannot be read.
 */
export async function verifyAuditLog(
  trail: string | AuditTrailSource,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerification> {
  if (typeof trail === 'string') {
    const path = trail;
    await stat(path).catch((cause: NodeJS.ErrnoException) => {
      throw new ValidationError(
        'auditLogPath',
        `cannot read the audit file (${cause.code ?? cause.message})`,
        'check the path',
        { file: path, code: 'audit.log.unreadable' },
      );
    });
  }
  const lines = typeof trail === 'string' ? readFileLines(trail) : trail.lines();
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let entries = 0;
  let recoveries = 0;
  let tornTail = false;
  let anchorSeen = options.expectedLastHash === undefined || options.expectedLastHash === GENESIS_HASH;
  let lineNo = 0;
  let suspect: Suspect | undefined;

  for await (const { text, bytes, terminated } of lines) {
    lineNo += 1;
    if (suspect) {
      if (bytes <= MAX_AUDIT_LINE_BYTES) suspect.observe(lineNo, text, terminated);
      continue;
    }
    if (!terminated) {
      tornTail = true;
      break;
    }
    const entry = bytes > MAX_AUDIT_LINE_BYTES ? undefined : parseEntryLine(text);
    if (entry === undefined) {
      return broken(entries, lineNo, 'malformed', 'is not a well-formed audit entry');
    }
    if (!entryHashMatches(entry, options.hmacKey)) {
      return broken(
        entries,
        lineNo,
        'modified',
        `its hash does not match its content (the entry was altered${options.hmacKey === undefined ? '' : ', or the HMAC key differs'})`,
        entry.seq,
      );
    }
    if (entry.seq !== expectedSeq || entry.prevHash !== expectedPrev) {
      suspect = new Suspect(lineNo, entry, expectedSeq, expectedPrev, options.hmacKey);
      continue;
    }
    entries += 1;
    if (entry.eventType === AUDIT_EVENT_TORN_TAIL_RECOVERED) recoveries += 1;
    if (entry.hash === options.expectedLastHash) anchorSeen = true;
    expectedSeq = entry.seq + 1;
    expectedPrev = entry.hash;
  }

  if (suspect) return broken(entries, suspect.line, ...suspect.classify(), suspect.entry.seq);
  const truncatedLine = lineNo + (tornTail ? 0 : 1);
  const cut = tornTail ? ' and the last line is cut mid-entry' : '';
  if (options.expectedEntries !== undefined && entries < options.expectedEntries) {
    return broken(
      entries,
      truncatedLine,
      'truncated',
      `the file holds ${entries} entries, expected at least ${options.expectedEntries}${cut}`,
    );
  }
  if (!anchorSeen) {
    return broken(entries, truncatedLine, 'truncated', `no entry has the expected last hash${cut}`);
  }
  return { ok: true, entries, tornTail, recoveries, lastSeq: expectedSeq - 1, lastHash: expectedPrev };
}

function broken(
  entries: number,
  line: number,
  reason: AuditBreakReason,
  message: string,
  seq?: number,
): AuditVerificationBroken {
  return {
    ok: false,
    entries,
    brokenAt: { line, ...(seq === undefined ? {} : { seq }), reason, message: `line ${line}: ${message}` },
  };
}

/**
 * A self-consistent entry that does not continue the chain. Reads on to find the entry that should
 * have come (same `seq` and `prevHash` as expected) and whether this one appears again, which tells
 * an insertion from a reordering or a deletion.
 */
class Suspect {
  #successorLine: number | undefined;
  #successorHash: string | undefined;
  #duplicated = false;

  constructor(
    readonly line: number,
    readonly entry: AuditEntry,
    readonly expectedSeq: number,
    readonly expectedPrev: string,
    readonly hmacKey: string | undefined,
  ) {}

  observe(line: number, text: string, terminated: boolean): void {
    if (!terminated) return;
    const other = parseEntryLine(text);
    if (other === undefined) return;
    if (other.hash === this.entry.hash) this.#duplicated = true;
    if (
      this.#successorLine === undefined &&
      other.seq === this.expectedSeq &&
      other.prevHash === this.expectedPrev &&
      entryHashMatches(other, this.hmacKey)
    ) {
      this.#successorLine = line;
      this.#successorHash = other.hash;
    }
  }

  classify(): [AuditBreakReason, string] {
    const { entry, expectedSeq } = this;
    const claims = `seq ${entry.seq} where seq ${expectedSeq} was expected`;
    if (this.#successorLine === undefined) {
      if (entry.seq > expectedSeq)
        return ['deleted', `${claims}: entries ${expectedSeq}..${entry.seq - 1} are missing`];
      if (entry.seq === expectedSeq) {
        return [
          'hash-mismatch',
          'its prevHash is not the hash of the previous entry (one of them was rewritten)',
        ];
      }
      return ['inserted', `${claims}: this entry does not belong here`];
    }
    if (this.#duplicated) return ['inserted', `${claims}: a copy of an entry that appears again later`];
    if (this.#successorLine === this.line + 1 && entry.prevHash !== this.#successorHash) {
      return ['inserted', `${claims}: the chain resumes on the next line without it`];
    }
    return ['reordered', `${claims}: entry ${expectedSeq} is on line ${this.#successorLine}`];
  }
}
