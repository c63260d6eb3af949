/**
 * The file trail: an append-only, hash-chained JSON-lines file that many writers share — injectors in
 * one process and processes on one host — with signed checkpoints in a file beside it.
 *
 * One append, under an exclusive OS lock on the file (`FileLock`): read the real head — the last line
 * other writers appended, checked (`FileTrailCursor.follow`) — chain the batch after it, write it,
 * fdatasync, write a checkpoint when one is due, release. Opening checks every entry from the last
 * checkpoint on; the verifier checks them all. Appends from one writer are group-committed (one lock,
 * write and sync per batch), so concurrent injections share the cost.
 *
 * Crash safety. Every write is whole lines ending in `\n`, so after a crash only the bytes after the
 * last `\n` can be partial (a torn tail: that append was never acknowledged, since its promise
 * resolves only after the sync). The next writer overwrites such a fragment, in place, with an
 * `AUDIT_LOG_TORN_TAIL_RECOVERED` entry that records the fragment's length and SHA-256 — unless the
 * fragment lies before the last checkpoint's end, which is not a crash but a cut, and is refused.
 * So every newline-terminated line is a valid chained entry and only the last, unterminated line may
 * be torn; the crash itself stays on the record, inside the chain.
 */
import { mkdir, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GenesysPromptError, ValidationError } from '../errors.js';
import { type AuditChainHead, chainEntries, tornTailRecoveryEntry } from './audit-chain.js';
import { type AuditCheckpoint, isSigned, makeCheckpoint, shortKeyId } from './audit-checkpoint.js';
import { CheckpointFileCursor, checkpointPathFor } from './audit-checkpoint-file.js';
import { entryHashMatches, formatEntryLine, readEntryLine } from './audit-entry.js';
import { type AuditAppendFields, checkAuditFields } from './audit-fields.js';
import { FileTrailCursor, type TornFragment } from './audit-file-cursor.js';
import { openReadWrite, readLineBefore, writeAll } from './audit-file-io.js';
import { readFileLines, readOptionalFileLines } from './audit-file-lines.js';
import { FileLock } from './audit-file-lock.js';
import { GroupCommit } from './audit-group-commit.js';
import type { AuditAppendResult, AuditSink, AuditTrailLine } from './audit-sink.js';
import { type AuditSigningKey, loadAuditSigningKey } from './audit-signing-key.js';
import {
  announceCheckpoint,
  type AuditWriterOptions,
  checkpointDue,
  resolveWriterOptions,
  type ResolvedWriterOptions,
} from './audit-writer-options.js';

export type { AuditAppendFields } from './audit-fields.js';
export type { AuditAppendResult } from './audit-sink.js';

/** Options of `AuditLog.open`. */
export type AuditLogOptions = AuditWriterOptions;

/** What `open` found and repaired at the end of an existing file. */
export interface TornTailRecovery {
  /** Bytes of the partial line a crash left, now overwritten by a recovery entry. */
  bytes: number;
  /** SHA-256 hex of those bytes, also recorded in the recovery entry. */
  sha256: string;
  /** `seq` of the recovery entry. */
  seq: number;
}

// The lock timeout's refusal leaves the trail as it was: that batch fails, later ones may succeed.
const TRANSIENT = new Set(['audit.lock.timeout']);

interface Files {
  trail: FileHandle;
  checkpoints: FileHandle;
}

/** A hash-chained JSON-lines audit file that any number of writers on one host may share. */
export class AuditLog implements AuditSink {
  /** Path of the audit file. */
  readonly path: string;
  /** The path, as the sink's target. */
  readonly target: string;
  /** Path of the checkpoint file beside it. */
  readonly checkpointPath: string;
  readonly #files: Files;
  readonly #lock: FileLock;
  readonly #trail: FileTrailCursor;
  readonly #checkpoints: CheckpointFileCursor;
  readonly #queue: GroupCommit<AuditAppendFields, AuditAppendResult>;
  readonly #hmacKey: string | undefined;
  readonly #signingKey: AuditSigningKey | undefined;
  readonly #options: ResolvedWriterOptions;
  readonly #timer: NodeJS.Timeout | undefined;
  #recovered: TornTailRecovery | undefined;
  /** This writer appended entries no checkpoint covers yet (the trigger of the interval and close). */
  #uncovered = false;
  /** This writer wrote lines not yet synced. */
  #unsynced = false;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    files: Files,
    signingKey: AuditSigningKey | undefined,
    options: ResolvedWriterOptions,
  ) {
    this.path = path;
    this.target = path;
    this.checkpointPath = checkpointPathFor(path);
    this.#files = files;
    this.#lock = new FileLock(files.trail, path);
    this.#hmacKey = options.hmacKey;
    this.#trail = new FileTrailCursor(path, options.hmacKey);
    this.#checkpoints = new CheckpointFileCursor(this.checkpointPath);
    this.#signingKey = signingKey;
    this.#options = options;
    this.#queue = new GroupCommit((items, flush) => this.#commit(items, flush), {
      isFatal: (error) => !TRANSIENT.has((error as GenesysPromptError).code),
    });
    const interval = options.intervalMs;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        if (this.#uncovered) void this.#queue.flush();
      }, interval).unref();
    }
  }

  /**
   * Opens (creating them and their directory if needed) the audit file at `path` and its checkpoint
   * file, and checks the trail back to the last checkpoint: the checkpoint chain and signatures, the
   * entry the last checkpoint names, and every entry after it (the whole file when there is no
   * checkpoint yet). Repairs a torn tail left by a crash after the last checkpoint (see the file
   * comment), and writes a first checkpoint when there is none.
   * @throws ValidationError (`audit.log.corrupt`, `audit.log.truncated`, `audit.checkpoints.corrupt`)
   *   when the trail does not check: appending to a damaged chain would hide the damage; or when the
   *   signing key is not the one the trail's checkpoints are signed with (`audit.key.mismatch`)
   */
  static async open(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    const resolved = resolveWriterOptions(options);
    const signingKey = await loadAuditSigningKey(
      {
        ...(options.signingKey === undefined ? {} : { key: options.signingKey }),
        ...(options.signingKeyFile === undefined ? {} : { keyFile: options.signingKeyFile }),
      },
      {},
      'signingKey',
    );
    await mkdir(dirname(path), { recursive: true });
    const trail = await openReadWrite(path);
    let checkpoints: FileHandle | undefined;
    let log: AuditLog | undefined;
    try {
      checkpoints = await openReadWrite(checkpointPathFor(path));
      log = new this(path, { trail, checkpoints }, signingKey, resolved);
      await log.#openUnderLock();
      return log;
    } catch (error) {
      if (log !== undefined) await log.#shutdown();
      else {
        await checkpoints?.close();
        await trail.close();
      }
      throw error;
    }
  }

  /** Set when `open` repaired a torn tail left by a crash. */
  get recoveredTornTail(): TornTailRecovery | undefined {
    return this.#recovered;
  }

  /** `seq` of the last entry this writer knows of (0 for an empty file). */
  get lastSeq(): number {
    return this.#trail.head.seq;
  }

  /** `hash` of the last entry this writer knows of: keep it as an anchor. */
  get lastHash(): string {
    return this.#trail.head.hash;
  }

  /** The last checkpoint this writer wrote or read, if any. */
  get lastCheckpoint(): AuditCheckpoint | undefined {
    return this.#checkpoints.last;
  }

  /**
   * Appends one entry and resolves once it is written and synced to disk, with its `seq` in the shared
   * chain. Concurrent calls are grouped: one lock, write and sync per batch.
   * @throws ValidationError for a field that is not an audit field or does not look like an
   *   identifier or hash; or when entries another writer appended do not check (`audit.log.corrupt`)
   * @throws GenesysPromptError `audit.write.failed` when the disk refuses (the log then refuses
   *   further appends: reopen it), `audit.lock.timeout` when another writer held the lock too long,
   *   `audit.closed` after `close()`
   */
  append(fields: AuditAppendFields): Promise<AuditAppendResult> {
    let checked: AuditAppendFields;
    try {
      checked = checkAuditFields(fields);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#queue.submit(checked);
  }

  /** The file's lines, read from disk (entries appended meanwhile may or may not be included). */
  lines(): AsyncIterable<AuditTrailLine> {
    return readFileLines(this.path);
  }

  /** The lines of the checkpoint file beside the trail. */
  checkpoints(): AsyncIterable<AuditTrailLine> {
    return readOptionalFileLines(this.checkpointPath);
  }

  /**
   * Waits for pending appends, writes a last checkpoint when entries were appended since the last one,
   * then closes the files. Further appends reject. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.close(
        new GenesysPromptError(`the audit log ${this.path} is closed`, { code: 'audit.closed' }),
      );
      if (this.#queue.failure === undefined && this.#uncovered) {
        // Best effort: a failure here leaves the entries on disk, only uncovered by a checkpoint.
        await this.#commit([], true).catch(() => undefined);
      }
      await this.#shutdown();
    })();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#lock.release();
    await this.#lock.settled();
    await this.#files.checkpoints.close();
    await this.#files.trail.close();
  }

  async #openUnderLock(): Promise<void> {
    await this.#underLock(async () => {
      await this.#checkpoints.advance(this.#files.checkpoints);
      this.#checkKeys();
      await this.#seekToLastCheckpoint();
      const fragment = await this.#trail.advance(this.#files.trail);
      if (fragment !== undefined) {
        const { recoverySeq } = await this.#write([], fragment);
        await this.#syncTrail();
        this.#recovered = { bytes: fragment.bytes, sha256: fragment.sha256, seq: recoverySeq };
        this.#uncovered = true;
      }
      if (this.#checkpoints.last === undefined) await this.#checkpointIfDue(true);
    });
  }

  /**
   * A writer must chain as the trail does (HMAC or plain, from its checkpoints), and a writer with a
   * signing key may not add checkpoints signed by another key.
   */
  #checkKeys(): void {
    const last = this.#checkpoints.last;
    if (last !== undefined && (last.chain === 'hmac-sha256') !== (this.#hmacKey !== undefined)) {
      throw new ValidationError(
        'hmacKey',
        last.chain === 'hmac-sha256'
          ? 'the trail is chained with an HMAC key, and none was given'
          : 'the trail is chained with plain SHA-256, and an HMAC key was given',
        last.chain === 'hmac-sha256'
          ? 'pass the HMAC key the trail was started with'
          : 'drop the HMAC key, or start a new trail',
        { file: this.path, code: 'audit.key.mismatch' },
      );
    }
    const signedBy = this.#checkpoints.chain.signedBy;
    const ours = this.#signingKey?.publicKey.keyId;
    if (signedBy !== undefined && ours !== undefined && signedBy !== ours) {
      throw new ValidationError(
        'signingKey',
        `the trail's checkpoints are signed by key ${shortKeyId(signedBy)}, not by this key ${shortKeyId(ours)}`,
        'use the key the trail was started with, or start a new trail for the new key',
        { file: this.path, code: 'audit.key.mismatch' },
      );
    }
  }

  /** Starts checking at the last checkpoint, after making sure the entry it names is there. */
  async #seekToLastCheckpoint(): Promise<void> {
    const last = this.#checkpoints.last;
    if (last?.trailBytes === undefined || last.count === 0) return;
    const size = (await this.#files.trail.stat()).size;
    const cut = (problem: string, code: string): ValidationError =>
      new ValidationError(
        'auditLogPath',
        problem,
        'run `genesys-prompt audit verify` on it, keep it as evidence, and start a new audit trail',
        { file: this.path, code },
      );
    if (size < last.trailBytes) {
      throw cut(
        `the file is ${size} bytes but the last checkpoint covers ${last.count} entries in ${last.trailBytes} bytes: it was cut`,
        'audit.log.truncated',
      );
    }
    const line = await readLineBefore(this.#files.trail, last.trailBytes);
    const entry = line === undefined ? undefined : readEntryLine(line.text).entry;
    if (entry !== undefined && !entryHashMatches(entry, this.#hmacKey)) {
      throw cut(
        `the entry at the last checkpoint (seq ${last.count}) does not verify${this.#hmacKey === undefined ? '' : ' with this HMAC key'} (the HMAC key differs, or it was altered)`,
        'audit.log.corrupt',
      );
    }
    if (entry === undefined || entry.seq !== last.count || entry.hash !== last.headHash) {
      throw cut(
        `the entry at the last checkpoint (seq ${last.count}) is not the one the checkpoint names: the trail was rewritten`,
        'audit.log.corrupt',
      );
    }
    this.#trail.size = last.trailBytes;
    this.#trail.head = { seq: last.count, hash: last.headHash };
  }

  /**
   * One batch: under the lock, read the head, write the lines (and a due checkpoint); then, after the
   * lock is released, fdatasync. The sync outside the lock lets writers in other processes write
   * their batches meanwhile, and one sync of the file makes every write before it durable, so
   * concurrent writers share syncs as one writer's batch does.
   */
  async #commit(items: AuditAppendFields[], flush: boolean): Promise<AuditAppendResult[]> {
    const results = await this.#underLock(async () => {
      await this.#checkpoints.advance(this.#files.checkpoints);
      const fragment = await this.#trail.follow(this.#files.trail);
      this.#refuseTornBeforeCheckpoint(fragment);
      let results: AuditAppendResult[] = [];
      if (items.length > 0 || fragment !== undefined) {
        results = (await this.#write(items, fragment)).appended;
        this.#uncovered = true;
      }
      await this.#checkpointIfDue(flush);
      return results;
    });
    await this.#syncTrail();
    return results;
  }

  /** fdatasync of the trail when this writer wrote since its last one: the data and size are durable. */
  async #syncTrail(): Promise<void> {
    if (!this.#unsynced) return;
    this.#unsynced = false;
    try {
      await this.#files.trail.datasync();
    } catch (cause) {
      throw new GenesysPromptError(
        `could not sync the audit log ${this.path}: ${(cause as Error).message}; fix the disk, then reopen the log`,
        { code: 'audit.write.failed', cause },
      );
    }
  }

  /** A torn fragment inside what a checkpoint covers is a cut, not a crash. */
  #refuseTornBeforeCheckpoint(fragment: TornFragment | undefined): void {
    const covered = this.#checkpoints.last?.trailBytes;
    if (fragment !== undefined && covered !== undefined && fragment.start < covered) {
      throw new ValidationError(
        'auditLogPath',
        'the file ends in a partial line inside what the last checkpoint covers: it was cut',
        'run `genesys-prompt audit verify` on it, keep it as evidence, and start a new audit trail',
        { file: this.path, code: 'audit.log.truncated' },
      );
    }
  }

  /**
   * Writes the recovery entry for `fragment` (if any) and the entries of `items` at the end of the
   * checked trail, syncs, and moves the cursor. Returns where the entries of `items` landed and the
   * recovery entry's `seq`.
   */
  async #write(
    items: AuditAppendFields[],
    fragment: TornFragment | undefined,
  ): Promise<{ appended: AuditAppendResult[]; recoverySeq: number }> {
    const timestamp = this.#options.now().toISOString();
    let head: AuditChainHead = this.#trail.head;
    const lines: string[] = [];
    let recoverySeq = head.seq;
    if (fragment !== undefined) {
      const recovery = tornTailRecoveryEntry(head, fragment, timestamp, this.#hmacKey);
      lines.push(formatEntryLine(recovery));
      head = { seq: recovery.seq, hash: recovery.hash };
      recoverySeq = recovery.seq;
    }
    const chained = chainEntries(head, items, timestamp, this.#hmacKey);
    lines.push(...chained.lines);
    const buffer = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
    const at = fragment?.start ?? this.#trail.size;
    try {
      await writeAll(this.#files.trail, buffer, at);
      if (fragment !== undefined && at + buffer.length < fragment.start + fragment.bytes) {
        await this.#files.trail.truncate(at + buffer.length);
      }
    } catch (cause) {
      throw new GenesysPromptError(
        `could not append to the audit log ${this.path}: ${(cause as Error).message}; fix the disk, then reopen the log (a partial write is recovered on open)`,
        { code: 'audit.write.failed', cause },
      );
    }
    this.#trail.size = at + buffer.length;
    this.#trail.head = chained.head;
    this.#unsynced = true;
    return { appended: chained.entries.map((e) => ({ seq: e.seq, hash: e.hash })), recoverySeq };
  }

  /**
   * Writes a checkpoint at the current head when `every` entries were appended since the last one, or
   * when `flush` and any were. A writer without a key adds no checkpoint to a signed trail.
   */
  async #checkpointIfDue(flush: boolean): Promise<void> {
    const last = this.#checkpoints.last;
    const head = this.#trail.head;
    if (!checkpointDue(head.seq, last?.count, this.#options.every, flush)) {
      if (head.seq <= (last?.count ?? -1)) this.#uncovered = false;
      return;
    }
    this.#uncovered = false;
    if (this.#signingKey === undefined && last !== undefined && isSigned(last)) return;
    // The entries a checkpoint counts are on disk before it is.
    await this.#syncTrail();
    const checkpoint = makeCheckpoint(
      {
        count: head.seq,
        headHash: head.hash,
        time: this.#options.now().toISOString(),
        prevHash: this.#checkpoints.chain.lastLineHash,
        trailBytes: this.#trail.size,
        ...(this.#hmacKey === undefined ? {} : { chain: 'hmac-sha256' as const }),
      },
      this.#signingKey,
    );
    try {
      await this.#checkpoints.append(this.#files.checkpoints, checkpoint);
    } catch (cause) {
      throw new GenesysPromptError(
        `could not write a checkpoint to ${this.checkpointPath}: ${(cause as Error).message}; fix the disk, then reopen the log`,
        { code: 'audit.write.failed', cause },
      );
    }
    announceCheckpoint(this.#options.onCheckpoint, checkpoint);
  }

  async #underLock<T>(work: () => Promise<T>): Promise<T> {
    await this.#lock.acquire(this.#options.lockTimeoutMs);
    try {
      return await work();
    } finally {
      this.#lock.release();
    }
  }
}
