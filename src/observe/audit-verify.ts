/**
 * Verification of an audit trail from any sink: every line is the canonical form of an entry, the
 * `seq` sequence and the `prevHash` chain hold, every entry's own hash matches, and the trail agrees
 * with every checkpoint — not cut short of one (`truncated`), not holding another head at its count
 * (`rewritten`) — while the checkpoints themselves chain and carry valid signatures
 * (`checkpoint-forged`). One pass over lines and checkpoints together: time linear in the trail's
 * size, memory bounded by the line limit.
 */
import { stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { GenesysPromptError, ValidationError } from '../errors.js';
import { type AuditCheckpoint, isSigned, shortKeyId } from './audit-checkpoint.js';
import { CheckpointChain } from './audit-checkpoint-chain.js';
import {
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  type AuditEntry,
  lineHashMatches,
  GENESIS_HASH,
  readEntryLine,
} from './audit-entry.js';
import { MAX_AUDIT_LINE_BYTES, readFileLines } from './audit-file-lines.js';
import { fileTrailSource } from './audit-file-source.js';
import { isPostgresTarget } from './audit-postgres-target.js';
import type { AuditTrailLine, AuditTrailSource } from './audit-sink.js';
import { type AuditPublicKey, loadAuditPublicKey } from './audit-signing-key.js';
import { type AuditBreakReason, ChainBreakSuspect } from './audit-verify-suspect.js';

export type { AuditBreakReason } from './audit-verify-suspect.js';

/** What the checkpoints proved about an intact trail. */
export interface AuditCheckpointProof {
  /** Checkpoints checked. */
  checked: number;
  /** Entries the last checkpoint counts; undefined when there is none. */
  lastCount: number | undefined;
  /** The last checkpoint is signed. */
  signed: boolean;
  /** Key id of the signing key, when signed. */
  keyId?: string;
  /** True when the verifier was given the public key and the signatures are by it. */
  keyPinned: boolean;
}

/** The chain is intact. */
export interface AuditVerificationOk {
  ok: true;
  status: 'ok';
  /** Valid entries (recovery entries included). */
  entries: number;
  /** The last line is an unterminated partial write after the last checkpoint (a crash mid-append). */
  tornTail: boolean;
  /** Entries recording a torn tail repaired by a writer (crashes that were recovered). */
  recoveries: number;
  /** `seq` and `hash` of the last valid entry (0 and the genesis hash for an empty trail). */
  lastSeq: number;
  lastHash: string;
  /** What the checkpoints proved. */
  checkpoints: AuditCheckpointProof;
  /** Entries after the last checkpoint, covered only by the chain. */
  uncovered: number;
}

/** The trail is broken: `entries` are valid before `brokenAt`. */
export interface AuditVerificationBroken {
  ok: false;
  status: 'broken';
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

/** The entries are chained with an HMAC key that was not given: nothing about them can be said. */
export interface AuditVerificationKeyNeeded {
  ok: false;
  status: 'key-needed';
  /** Lines that form a well-linked chain (their hashes could not be checked). */
  entries: number;
  message: string;
}

/** Result of `verifyAuditLog`. */
export type AuditVerification = AuditVerificationOk | AuditVerificationBroken | AuditVerificationKeyNeeded;

/** Options of `verifyAuditLog`. */
export interface VerifyAuditLogOptions {
  /** The HMAC key the trail was written with. */
  hmacKey?: string;
  /**
   * The public key the checkpoints must be signed with (a `KeyObject`, PEM text, or a loaded key).
   * Without it, signatures are checked against the key each checkpoint carries, which proves the
   * checkpoints were not edited, but not who signed them: compare the reported key id with yours.
   */
  publicKey?: KeyObject | string | AuditPublicKey;
  /**
   * Checkpoints to verify against instead of the trail's own: a copy kept off the host (a path of a
   * JSON-lines file, or lines from anywhere).
   */
  checkpoints?: string | AsyncIterable<AuditTrailLine>;
  /**
   * An anchor kept outside the trail (`AuditLog.lastSeq` at some point): the trail must hold at least
   * this many entries.
   */
  expectedEntries?: number;
  /** An anchor kept outside the trail (`AuditLog.lastHash`): some entry must have this hash. */
  expectedLastHash?: string;
}

/**
 * Verifies a trail: the file at a path (with its checkpoint file beside it), the PostgreSQL trail at a
 * `postgres://` URL (`?schema=` picks its schema), or any sink's or source's lines. Reports the first modified, deleted, inserted, reordered, malformed, truncated or rewritten
 * entry, or forged checkpoint. An unterminated last line after the last checkpoint is a torn tail (a
 * crash mid-write): the result stays `ok` with `tornTail: true`; before a checkpoint's count it is a
 * truncation. Every newline-terminated line must be a valid entry, because writers repair torn tails
 * in place; so a bad line before the end is always reported as tampering.
 * @throws ValidationError when the trail, the checkpoint copy or the public key cannot be read
 */
export async function verifyAuditLog(
  trail: string | AuditTrailSource,
  options: VerifyAuditLogOptions = {},
): Promise<AuditVerification> {
  if (typeof trail === 'string' && isPostgresTarget(trail)) {
    const { postgresTrailSource } = await import('./audit-postgres-source.js');
    const source = postgresTrailSource(trail);
    try {
      return await verifyAuditLog(source, options);
    } catch (error) {
      throw databaseError(error, source.target);
    } finally {
      await source.close();
    }
  }
  if (typeof trail === 'string') await mustExist(trail, 'auditLogPath');
  const source = typeof trail === 'string' ? fileTrailSource(trail) : trail;
  let checkpoints: AsyncIterable<AuditTrailLine>;
  if (options.checkpoints === undefined) checkpoints = source.checkpoints();
  else if (typeof options.checkpoints === 'string') {
    await mustExist(options.checkpoints, 'checkpoints');
    checkpoints = readFileLines(options.checkpoints);
  } else checkpoints = options.checkpoints;
  const key = options.publicKey;
  const pinned =
    key === undefined
      ? undefined
      : typeof key === 'object' && 'keyId' in key
        ? key
        : await loadAuditPublicKey({ key }, 'publicKey');
  return new TrailVerification(options, pinned).run(source.lines(), checkpoints);
}

/** A driver error while reading a database trail, as a typed error that names the fix. */
function databaseError(error: unknown, target: string): unknown {
  if (error instanceof GenesysPromptError) return error;
  const code = (error as { code?: string }).code;
  if (code === '42P01' || code === '3F000') {
    return new ValidationError(
      'audit',
      `${target} holds no audit trail in that schema`,
      'check the URL and its ?schema= parameter',
      {
        code: 'audit.log.unreadable',
        cause: error,
      },
    );
  }
  return new GenesysPromptError(
    `cannot read the audit trail ${target}: ${(error as Error).message}; check that the database is running and the URL`,
    { code: 'audit.connect.failed', cause: error },
  );
}

async function mustExist(path: string, field: string): Promise<void> {
  await stat(path).catch((cause: NodeJS.ErrnoException) => {
    throw new ValidationError(
      field,
      `cannot read the file (${cause.code ?? cause.message})`,
      'check the path',
      {
        file: path,
        code: 'audit.log.unreadable',
      },
    );
  });
}

/** A break found, before it is turned into a result. */
interface Break {
  line: number;
  reason: AuditBreakReason;
  message: string;
  seq?: number;
}

/** One verification's state: the entry chain, the checkpoint stream, and what the hashes say. */
class TrailVerification {
  readonly #options: VerifyAuditLogOptions;
  readonly #pinned: AuditPublicKey | undefined;
  readonly #chain: CheckpointChain;
  #checkpointLines: AsyncIterator<AuditTrailLine> | undefined;
  #checkpointLine = 0;
  /** The next checkpoint the entries have not reached yet. */
  #pending: AuditCheckpoint | undefined;
  /** `count` of the last checkpoint the trail matched. */
  #matchedCount: number | undefined;
  /** Whether checkpoints say the entries are HMAC-chained (from the first one read). */
  #hmacChained: boolean | undefined;
  // Verified so far.
  #entries = 0;
  #recoveries = 0;
  #bytes = 0;
  #expectedSeq = 1;
  #expectedPrev = GENESIS_HASH;
  #anchorSeen: boolean;
  /** Without a key: entries whose plain SHA-256 matched, and the first that did not. */
  #plainMatches = 0;
  #firstMismatch: { line: number; seq: number; entries: number } | undefined;

  constructor(options: VerifyAuditLogOptions, pinned: AuditPublicKey | undefined) {
    this.#options = options;
    this.#pinned = pinned;
    this.#chain = new CheckpointChain(pinned?.keyId);
    this.#anchorSeen = options.expectedLastHash === undefined || options.expectedLastHash === GENESIS_HASH;
  }

  async run(
    lines: AsyncIterable<AuditTrailLine>,
    checkpoints: AsyncIterable<AuditTrailLine>,
  ): Promise<AuditVerification> {
    this.#checkpointLines = checkpoints[Symbol.asyncIterator]();
    try {
      return await this.#run(lines);
    } finally {
      await this.#checkpointLines.return?.();
    }
  }

  async #run(lines: AsyncIterable<AuditTrailLine>): Promise<AuditVerification> {
    const first = (await this.#nextCheckpoint()) ?? (await this.#meetCheckpoints(0));
    if (first) return this.#broken(first);
    let lineNo = 0;
    let tornTail = false;
    let suspect: ChainBreakSuspect | undefined;
    // A malformed line, held while reading on tells whether an earlier hash mismatch was an edit.
    let malformed: Break | undefined;
    for await (const { text, bytes, terminated } of lines) {
      lineNo += 1;
      if (suspect || malformed) {
        if (bytes <= MAX_AUDIT_LINE_BYTES) {
          suspect?.observe(lineNo, text, terminated);
          this.#observePlain(text, terminated);
        }
        if (malformed && this.#plainMatches > 0) break;
        continue;
      }
      if (!terminated && bytes > MAX_AUDIT_LINE_BYTES) {
        // A crash cuts one line at most: a longer unterminated tail is not a torn entry.
        malformed = {
          line: lineNo,
          reason: 'malformed',
          message: `an unterminated last line of ${bytes} bytes is longer than any audit entry (${MAX_AUDIT_LINE_BYTES}): not a write cut by a crash`,
        };
        break;
      }
      if (!terminated) {
        tornTail = true;
        break;
      }
      const reading =
        bytes > MAX_AUDIT_LINE_BYTES
          ? { problem: `is ${bytes} bytes long, more than any audit entry (${MAX_AUDIT_LINE_BYTES})` }
          : readEntryLine(text);
      if (reading.entry === undefined) {
        malformed = { line: lineNo, reason: 'malformed', message: reading.problem };
        if (!this.#hashPending()) break;
        continue;
      }
      const entry = reading.entry;
      const hashBreak = this.#checkHash(entry, text, lineNo);
      if (hashBreak) return this.#broken(hashBreak);
      if (entry.seq !== this.#expectedSeq || entry.prevHash !== this.#expectedPrev) {
        const hashKey = this.#hashPending() ? false : this.#options.hmacKey;
        suspect = new ChainBreakSuspect(lineNo, entry, this.#expectedSeq, this.#expectedPrev, hashKey);
        continue;
      }
      this.#entries += 1;
      this.#bytes += bytes + 1;
      if (entry.eventType === AUDIT_EVENT_TORN_TAIL_RECOVERED) this.#recoveries += 1;
      if (entry.hash === this.#options.expectedLastHash) this.#anchorSeen = true;
      this.#expectedSeq = entry.seq + 1;
      this.#expectedPrev = entry.hash;
      const checkpointBreak = await this.#meetCheckpoints(lineNo);
      if (checkpointBreak) return this.#broken(checkpointBreak);
    }

    // Without a key, a hash mismatch in a trail whose other hashes are plain SHA-256 was an edit.
    const plainTrail = this.#plainMatches > 0 || this.#hmacChained === false;
    if (this.#firstMismatch !== undefined && plainTrail) return this.#broken(this.#mismatchBreak());
    if (malformed) return this.#broken(malformed);
    if (suspect) {
      const [reason, message] = suspect.classify();
      return this.#broken({ line: suspect.line, reason, message, seq: suspect.entry.seq });
    }
    const end = lineNo + (tornTail ? 0 : 1);
    if (this.#firstMismatch !== undefined) {
      return {
        ok: false,
        status: 'key-needed',
        entries: this.#entries,
        message: `${this.#entries} entries are chained with an HMAC key: pass the key to verify them`,
      };
    }
    const truncation = this.#truncation(end, tornTail);
    if (truncation) return this.#broken(truncation);
    const last = this.#chain.last;
    return {
      ok: true,
      status: 'ok',
      entries: this.#entries,
      tornTail,
      recoveries: this.#recoveries,
      lastSeq: this.#expectedSeq - 1,
      lastHash: this.#expectedPrev,
      checkpoints: {
        checked: this.#chain.accepted,
        lastCount: last?.count,
        signed: last !== undefined && isSigned(last),
        ...(last?.keyId === undefined ? {} : { keyId: last.keyId }),
        keyPinned: this.#pinned !== undefined && last?.keyId === this.#pinned.keyId,
      },
      uncovered: this.#entries - (last?.count ?? 0),
    };
  }

  /** True when, without a key, a hash mismatched and no entry has yet shown the chain is plain. */
  #hashPending(): boolean {
    return (
      this.#options.hmacKey === undefined && this.#firstMismatch !== undefined && this.#plainMatches === 0
    );
  }

  /** After a break, counts later entries whose plain SHA-256 matches (while that question is open). */
  #observePlain(text: string, terminated: boolean): void {
    if (!terminated || !this.#hashPending()) return;
    const entry = readEntryLine(text).entry;
    if (entry !== undefined && lineHashMatches(text, entry)) this.#plainMatches += 1;
  }

  /**
   * Checks an entry's own hash. With a key a mismatch is a break. Without one, an HMAC-chained trail
   * mismatches everywhere: the first mismatch is held until a plain match (then it was an edit) or the
   * end (then a key is needed, unless the checkpoints say the chain is plain).
   */
  #checkHash(entry: AuditEntry, text: string, line: number): Break | undefined {
    const key = this.#options.hmacKey;
    if (lineHashMatches(text, entry, key)) {
      if (key !== undefined) return undefined;
      this.#plainMatches += 1;
      return this.#firstMismatch === undefined ? undefined : this.#mismatchBreak();
    }
    if (key !== undefined) {
      const plain = lineHashMatches(text, entry);
      return {
        line,
        seq: entry.seq,
        reason: 'modified',
        message: plain
          ? 'its hash is plain SHA-256: the trail is not chained with an HMAC key (verify it without one)'
          : 'its hash does not match its content (the entry was altered, or the HMAC key differs)',
      };
    }
    if (this.#plainMatches > 0 || this.#hmacChained === false) {
      return { line, seq: entry.seq, reason: 'modified', message: 'its hash does not match its content' };
    }
    this.#firstMismatch ??= { line, seq: entry.seq, entries: this.#entries };
    return undefined;
  }

  #mismatchBreak(): Break {
    const { line, seq } = this.#firstMismatch!;
    this.#entries = this.#firstMismatch!.entries;
    return { line, seq, reason: 'modified', message: 'its hash does not match its content' };
  }

  /** Reads the next checkpoint into `#pending`; a checkpoint that breaks the rules is a break. */
  async #nextCheckpoint(): Promise<Break | undefined> {
    this.#pending = undefined;
    const next = await this.#checkpointLines!.next();
    if (next.done === true) return undefined;
    const line = next.value;
    this.#checkpointLine += 1;
    // A checkpoint line a crash cut short proves nothing and breaks nothing.
    if (!line.terminated) return undefined;
    const acceptance =
      line.bytes > MAX_AUDIT_LINE_BYTES ? { problem: 'is too long' } : this.#chain.accept(line.text);
    if (acceptance.checkpoint === undefined) {
      return {
        line: this.#entries + 1,
        reason: 'checkpoint-forged',
        message: `checkpoint ${this.#checkpointLine} ${acceptance.problem}`,
      };
    }
    this.#hmacChained ??= acceptance.checkpoint.chain === 'hmac-sha256';
    this.#pending = acceptance.checkpoint;
    return undefined;
  }

  /** Compares the trail with every checkpoint at the current count. */
  async #meetCheckpoints(line: number): Promise<Break | undefined> {
    while (this.#pending !== undefined && this.#pending.count <= this.#entries) {
      const checkpoint = this.#pending;
      const head = this.#expectedPrev;
      if (checkpoint.count < this.#entries || checkpoint.headHash !== head) {
        return {
          line,
          reason: 'rewritten',
          message: `entry ${checkpoint.count} is not the one checkpoint ${this.#checkpointLine} names${this.#since()}`,
        };
      }
      if (checkpoint.trailBytes !== undefined && checkpoint.trailBytes !== this.#bytes) {
        return {
          line,
          reason: 'rewritten',
          message: `the trail up to entry ${checkpoint.count} is ${this.#bytes} bytes, checkpoint ${this.#checkpointLine} says ${checkpoint.trailBytes}${this.#since()}`,
        };
      }
      this.#matchedCount = checkpoint.count;
      const next = await this.#nextCheckpoint();
      if (next) return next;
    }
    return undefined;
  }

  /** Where a rewrite may start: after the last checkpoint that matched. */
  #since(): string {
    const from = this.#matchedCount === undefined ? 1 : this.#matchedCount + 1;
    return `: entries from ${from} on were rewritten`;
  }

  /** Fewer entries than a checkpoint or an anchor counts. */
  #truncation(end: number, tornTail: boolean): Break | undefined {
    const cut = tornTail ? ' and the last line is cut mid-entry' : '';
    const pending = this.#pending;
    if (pending !== undefined) {
      return {
        line: end,
        reason: 'truncated',
        message: `the trail holds ${this.#entries} entries but a ${isSigned(pending) ? `checkpoint signed by key ${shortKeyId(pending.keyId!)}` : 'checkpoint'} counts ${pending.count}${cut}`,
      };
    }
    if (this.#pinned !== undefined && this.#chain.signedBy === undefined) {
      return {
        line: end,
        reason: 'checkpoint-forged',
        message: `no checkpoint is signed by key ${shortKeyId(this.#pinned.keyId)} (the checkpoints are missing or were replaced)`,
      };
    }
    const expected = this.#options.expectedEntries;
    if (expected !== undefined && this.#entries < expected) {
      return {
        line: end,
        reason: 'truncated',
        message: `the trail holds ${this.#entries} entries, expected at least ${expected}${cut}`,
      };
    }
    if (!this.#anchorSeen) {
      return { line: end, reason: 'truncated', message: `no entry has the expected last hash${cut}` };
    }
    return undefined;
  }

  #broken(found: Break): AuditVerificationBroken {
    return {
      ok: false,
      status: 'broken',
      entries: this.#entries,
      brokenAt: {
        line: found.line,
        ...(found.seq === undefined ? {} : { seq: found.seq }),
        reason: found.reason,
        message: `line ${found.line}: ${found.message}`,
      },
    };
  }
}
