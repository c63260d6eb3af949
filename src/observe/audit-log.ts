/**
 * The append-only, hash-chained audit file (PRODUCT.md section 7): one JSON line per entry, each
 * entry's `hash` covering the previous entry's hash, every append on disk (fdatasync) before its
 * promise resolves, with group commit so concurrent appends share one write and one sync.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GenesysPromptError, ValidationError } from '../errors.js';
import { type AuditAppendFields, checkAuditFields } from './audit-fields.js';
import { checkpointPathFor } from './audit-checkpoint-file.js';
import { readFileLines, readOptionalFileLines } from './audit-file-lines.js';
import type { AuditAppendResult, AuditSink, AuditTrailLine } from './audit-sink.js';
import {
  AUDIT_EVENT_INJECTION,
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  type AuditEntry,
  type ComplianceStatus,
  computeEntryHash,
  entryHashMatches,
  formatEntryLine,
  GENESIS_HASH,
  parseEntryLine,
} from './audit-entry.js';

export type { AuditAppendFields } from './audit-fields.js';
export type { AuditAppendResult } from './audit-sink.js';

/** Options of `AuditLog.open`. */
export interface AuditLogOptions {
  /** HMAC-SHA-256 key of the chain; plain SHA-256 when omitted. The same key is needed to verify. */
  hmacKey?: string;
  /** Clock of the entries' timestamps (tests). */
  now?: () => Date;
}

/** What `open` found and repaired at the end of an existing file. */
export interface TornTailRecovery {
  /** Bytes of the partial line a crash left, now overwritten by a recovery entry. */
  bytes: number;
  /** SHA-256 hex of those bytes, also recorded in the recovery entry. */
  sha256: string;
  /** `seq` of the recovery entry. */
  seq: number;
}

interface PendingAppend {
  fields: AuditAppendFields;
  resolve: (result: AuditAppendResult) => void;
  reject: (error: Error) => void;
}

// Reading backwards from the end in blocks of this size to find the last line without reading the file.
const TAIL_BLOCK = 64 * 1024;

/**
 * A hash-chained JSON-lines audit file with one writer.
 *
 * Crash safety. Every write this class makes is whole lines ending in `\n`, so after a crash only the
 * bytes after the last `\n` can be partial (a torn tail: the append was never acknowledged, since its
 * promise resolves only after the sync). `open` finds such a fragment and overwrites it, in place, with
 * an `AUDIT_LOG_TORN_TAIL_RECOVERED` entry that chains from the last complete entry and records the
 * fragment's length and SHA-256, then truncates what is left of the fragment. We chose this over
 * keeping the fragment as its own line because it keeps the file's rule absolute: every
 * newline-terminated line is a valid chained entry, and only the very last, unterminated line may be
 * torn. Verification therefore reports any bad line before the end as tampering, never as a crash,
 * while the crash itself stays on the record, inside the chain. A crash during recovery leaves again
 * an unterminated partial line (a prefix of the recovery entry and of the old fragment), which the
 * next `open` recovers the same way.
 *
 * Assumes one process writes the file (appends are serialised in memory, not by a file lock).
 */
export class AuditLog implements AuditSink {
  /** Path of the audit file. */
  readonly path: string;
  /** The path, as the sink's target. */
  readonly target: string;
  /** Set when `open` repaired a torn tail left by a crash. */
  readonly recoveredTornTail: TornTailRecovery | undefined;
  readonly #handle: FileHandle;
  readonly #hmacKey: string | undefined;
  readonly #now: () => Date;
  #size: number;
  #lastSeq: number;
  #lastHash: string;
  #pending: PendingAppend[] = [];
  #draining: Promise<void> | undefined;
  #failure: Error | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    handle: FileHandle,
    state: { size: number; lastSeq: number; lastHash: string; recovered: TornTailRecovery | undefined },
    options: AuditLogOptions,
  ) {
    this.path = path;
    this.target = path;
    this.#handle = handle;
    this.#hmacKey = options.hmacKey;
    this.#now = options.now ?? (() => new Date());
    this.#size = state.size;
    this.#lastSeq = state.lastSeq;
    this.#lastHash = state.lastHash;
    this.recoveredTornTail = state.recovered;
  }

  /**
   * Opens (creating it and its directory if needed) the audit file at `path`, recovers the last
   * `seq` and `hash` from its last line, and repairs a torn tail (see the class comment). Rejects with
   * a `ValidationError` when the last complete line is not a valid entry, or does not verify with
   * `hmacKey` (wrong key): appending to a damaged chain would hide the damage.
   */
  static async open(path: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    await mkdir(dirname(path), { recursive: true });
    const handle = await openReadWrite(path);
    try {
      const size = (await handle.stat()).size;
      const tail = await readTail(handle, size);
      let lastSeq = 0;
      let lastHash = GENESIS_HASH;
      if (tail.lastLine !== undefined) {
        const entry = parseEntryLine(tail.lastLine);
        if (entry === undefined || !entryHashMatches(entry, options.hmacKey)) {
          throw new ValidationError(
            'auditLogPath',
            entry === undefined
              ? 'the last line is not a valid audit entry'
              : 'the last entry does not verify (the file was altered, or the HMAC key differs)',
            'run `genesys-prompt audit verify` on it, and start a new audit file',
            { file: path, code: 'audit.log.corrupt' },
          );
        }
        lastSeq = entry.seq;
        lastHash = entry.hash;
      }
      let recovered: TornTailRecovery | undefined;
      let end = size;
      if (tail.fragment.length > 0) {
        const now = options.now ?? (() => new Date());
        const sha256 = createHash('sha256').update(tail.fragment).digest('hex');
        const entry = chain(
          {
            seq: lastSeq + 1,
            timestamp: now().toISOString(),
            eventType: AUDIT_EVENT_TORN_TAIL_RECOVERED,
            conversationId: null,
            assistantId: null,
            promptHash: null,
            userId: null,
            complianceStatus: 'AUDITED',
            tornBytes: tail.fragment.length,
            tornSha256: sha256,
            prevHash: lastHash,
          },
          options.hmacKey,
        );
        const line = Buffer.from(`${formatEntryLine(entry)}\n`, 'utf8');
        await writeAll(handle, line, tail.fragmentStart);
        end = tail.fragmentStart + line.length;
        if (end < size) await handle.truncate(end);
        await handle.sync();
        recovered = { bytes: tail.fragment.length, sha256, seq: entry.seq };
        lastSeq = entry.seq;
        lastHash = entry.hash;
      }
      return new AuditLog(path, handle, { size: end, lastSeq, lastHash, recovered }, options);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** `seq` of the last entry on disk (0 for an empty file). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** `hash` of the last entry on disk (`GENESIS_HASH` for an empty file): keep it as an anchor. */
  get lastHash(): string {
    return this.#lastHash;
  }

  /**
   * Appends one entry and resolves once it is written and synced to disk. Concurrent calls are
   * grouped: one write and one sync per batch, `seq` increasing in file order. Rejects with a
   * `ValidationError` for a field that is not an audit field or does not look like an identifier or
   * hash, and with a `GenesysPromptError` (`audit.write.failed`) when the disk refuses; after such a
   * failure the log refuses further appends (reopen it to recover).
   */
  append(fields: AuditAppendFields): Promise<AuditAppendResult> {
    try {
      checkAuditFields(fields);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.#closed) {
      return Promise.reject(
        new GenesysPromptError(`the audit log ${this.path} is closed`, { code: 'audit.closed' }),
      );
    }
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<AuditAppendResult>((resolve, reject) => {
      this.#pending.push({ fields: { ...fields }, resolve, reject });
      // Started on a microtask so appends made in the same tick share the first batch too.
      this.#draining ??= Promise.resolve().then(() => this.#drain());
    });
  }

  /** The file's lines, read from disk (entries appended later may or may not be included). */
  lines(): AsyncIterable<AuditTrailLine> {
    return readFileLines(this.path);
  }

  /** The lines of the checkpoint file beside the trail (none until checkpoints are written). */
  checkpoints(): AsyncIterable<AuditTrailLine> {
    return readOptionalFileLines(checkpointPathFor(this.path));
  }

  /** Waits for pending appends, then closes the file. Further appends reject. Idempotent. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await this.#draining;
      await this.#handle.close();
    })();
    return this.#closing;
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && !this.#failure) {
      const batch = this.#pending.splice(0);
      let seq = this.#lastSeq;
      let prevHash = this.#lastHash;
      const timestamp = this.#now().toISOString();
      const results: AuditAppendResult[] = [];
      const lines: string[] = [];
      for (const { fields } of batch) {
        seq += 1;
        const entry = chain(
          {
            seq,
            timestamp,
            eventType: fields.eventType ?? AUDIT_EVENT_INJECTION,
            conversationId: fields.conversationId,
            assistantId: fields.assistantId,
            promptHash: fields.promptHash,
            userId: fields.userId,
            complianceStatus: fields.complianceStatus ?? 'AUDITED',
            ...(fields.errorCode === undefined ? {} : { errorCode: fields.errorCode }),
            prevHash,
          },
          this.#hmacKey,
        );
        prevHash = entry.hash;
        results.push({ seq, hash: entry.hash });
        lines.push(`${formatEntryLine(entry)}\n`);
      }
      const buffer = Buffer.from(lines.join(''), 'utf8');
      try {
        await writeAll(this.#handle, buffer, this.#size);
        // fdatasync: the data and the new file size are durable, which is all an append needs.
        await this.#handle.datasync();
      } catch (cause) {
        this.#failure = new GenesysPromptError(
          `could not append to the audit log ${this.path}: ${(cause as Error).message}; fix the disk, then reopen the log (a partial write is recovered on open)`,
          { code: 'audit.write.failed', cause },
        );
        for (const item of [...batch, ...this.#pending.splice(0)]) item.reject(this.#failure);
        break;
      }
      this.#size += buffer.length;
      this.#lastSeq = seq;
      this.#lastHash = prevHash;
      batch.forEach((item, i) => item.resolve(results[i]!));
    }
    this.#draining = undefined;
  }
}

/**
 * The seed's `generateAuditLog`, made real. With `options.log` it appends the entry to that log and
 * returns the promise of its `{seq, hash}`. Without a log it writes nothing (the seed printed to the
 * console; the library never does) and returns the entry it would have written, unchained, for the
 * caller to ship elsewhere.
 */
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options: GenerateAuditLogOptions & { log: AuditLog },
): Promise<AuditAppendResult>;
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options?: GenerateAuditLogOptions & { log?: undefined },
): UnchainedAuditEntry;
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options: GenerateAuditLogOptions & { log?: AuditLog } = {},
): Promise<AuditAppendResult> | UnchainedAuditEntry {
  const fields: AuditAppendFields = {
    conversationId,
    assistantId,
    promptHash,
    userId,
    ...(options.complianceStatus === undefined ? {} : { complianceStatus: options.complianceStatus }),
    ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode }),
    ...(options.eventType === undefined ? {} : { eventType: options.eventType }),
  };
  if (options.log) return options.log.append(fields);
  checkAuditFields(fields);
  return {
    timestamp: (options.now ?? (() => new Date()))().toISOString(),
    eventType: fields.eventType ?? AUDIT_EVENT_INJECTION,
    conversationId,
    assistantId,
    promptHash,
    userId,
    complianceStatus: fields.complianceStatus ?? 'AUDITED',
    ...(fields.errorCode === undefined ? {} : { errorCode: fields.errorCode }),
  };
}

/** Options of `generateAuditLog`. */
export interface GenerateAuditLogOptions {
  /** The log to append to; without one nothing is written and the entry is returned. */
  log?: AuditLog;
  complianceStatus?: ComplianceStatus;
  errorCode?: string;
  eventType?: string;
  /** Clock of the returned entry's timestamp, when there is no log (tests). */
  now?: () => Date;
}

/** The entry `generateAuditLog` returns without a log: the seed's shape, not chained. */
export type UnchainedAuditEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash' | 'tornBytes' | 'tornSha256'>;

function chain(entry: Omit<AuditEntry, 'hash'>, hmacKey: string | undefined): AuditEntry {
  return { ...entry, hash: computeEntryHash(entry, hmacKey) };
}

async function openReadWrite(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    const handle = await open(path, 'wx+');
    await syncDirectory(dirname(path));
    return handle;
  } catch (error) {
    // Created by someone else between the two calls.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return open(path, 'r+');
    throw error;
  }
}

/** Makes a new file's directory entry durable, so a crash cannot lose the file itself. */
async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } catch {
    // Some platforms refuse fsync on a directory; the file's own syncs still hold.
  } finally {
    await dir.close();
  }
}

async function writeAll(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, position + offset);
    offset += bytesWritten;
  }
}

interface Tail {
  /** The last newline-terminated line (without `\n`), if any. */
  lastLine: string | undefined;
  /** Bytes after the last `\n` (a torn write), possibly empty. */
  fragment: Buffer;
  fragmentStart: number;
}

/** Reads backwards from the end until it has the last complete line and what follows it. */
async function readTail(handle: FileHandle, size: number): Promise<Tail> {
  let block = TAIL_BLOCK;
  for (;;) {
    const start = Math.max(0, size - block);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lastNewline = buffer.lastIndexOf(0x0a);
    if (lastNewline === -1) {
      if (start > 0) {
        block *= 2;
        continue;
      }
      return { lastLine: undefined, fragment: buffer, fragmentStart: 0 };
    }
    const previousNewline = lastNewline === 0 ? -1 : buffer.lastIndexOf(0x0a, lastNewline - 1);
    if (previousNewline === -1 && start > 0) {
      block *= 2;
      continue;
    }
    return {
      lastLine: buffer.subarray(previousNewline + 1, lastNewline).toString('utf8'),
      fragment: buffer.subarray(lastNewline + 1),
      fragmentStart: start + lastNewline + 1,
    };
  }
}
