/**
 * How far a file writer has read and checked the trail, and how it catches up with what other writers
 * appended since. Every writer, under the lock, reads the bytes past its cursor and checks each new
 * entry (canonical, chained, hash matching with the HMAC key) before it appends: a writer never
 * chains onto entries it has not checked, and the head it chains from is always the file's real end.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import { type AuditChainHead, chainLinkProblem, EMPTY_CHAIN_HEAD } from './audit-chain.js';
import { lineHashMatches, readEntryLine } from './audit-entry.js';
import { readRange } from './audit-file-io.js';
import { MAX_AUDIT_LINE_BYTES, splitLines } from './audit-file-lines.js';

/** Unterminated bytes at the end of the file: a write that a crash cut short. */
export interface TornFragment {
  /** Offset of its first byte (just after the last `\n`). */
  start: number;
  /** Its length in bytes. */
  bytes: number;
  /** SHA-256 hex of its bytes. */
  sha256: string;
}

const BACKWARD_BLOCK = 64 * 1024;

/** A checked prefix of the trail file: its length in bytes and the head of its chain. */
export class FileTrailCursor {
  /** Bytes checked (always just after a `\n`, or 0). */
  size: number;
  /** The last checked entry. */
  head: AuditChainHead;
  readonly #path: string;
  readonly #hmacKey: string | undefined;

  /**
   * @param path the trail's path, for error messages
   * @param start a checked position (a checkpoint's) or the start of the file
   */
  constructor(
    path: string,
    hmacKey: string | undefined,
    start: { size: number; head: AuditChainHead } = { size: 0, head: EMPTY_CHAIN_HEAD },
  ) {
    this.#path = path;
    this.#hmacKey = hmacKey;
    this.size = start.size;
    this.head = start.head;
  }

  /**
   * Reads and checks every complete line after the cursor (canonical, chained, hash matching), moving
   * it to the end of the last one. Returns the torn fragment that follows them, if any. Used when a
   * writer opens the trail, from its last checkpoint on.
   * @throws ValidationError (`audit.log.truncated`) when the file is shorter than what was checked,
   *   (`audit.log.corrupt`) when a new line is not an entry that continues the chain
   */
  async advance(handle: FileHandle): Promise<TornFragment | undefined> {
    const end = await this.#end(handle);
    if (end === this.size) return undefined;
    const lastNewline = await lastNewlineIn(handle, this.size, end);
    const linesEnd = lastNewline === -1 ? this.size : lastNewline + 1;
    if (linesEnd > this.size) {
      for await (const line of splitLines(readRange(handle, this.size, linesEnd))) {
        const reading =
          line.bytes > MAX_AUDIT_LINE_BYTES
            ? { problem: 'is too long to be an entry' }
            : readEntryLine(line.text);
        const problem =
          reading.problem ?? chainLinkProblem(this.head, reading.entry!, this.#hmacKey, line.text);
        if (problem !== undefined) {
          throw corrupt(
            this.#path,
            `the entry after seq ${this.head.seq} (at byte ${this.size}) ${problem}`,
            'audit.log.corrupt',
          );
        }
        this.head = { seq: reading.entry!.seq, hash: reading.entry!.hash };
        this.size += line.bytes + 1;
      }
    }
    return this.#fragment(handle, linesEnd, end);
  }

  /**
   * Moves the cursor to the end of what other writers appended since, reading only the file's last
   * line: it must be a valid entry, with a hash that matches under this writer's key and a `seq` past
   * the cursor's. The entries between are other writers' of this library, each written after the same
   * check; the verifier checks them all. One read per batch, so writers taking turns stay cheap.
   * Returns the torn fragment at the end, if any.
   * @throws ValidationError (`audit.log.truncated`) when the file is shorter than what was read,
   *   (`audit.log.corrupt`) when the last line is not such an entry
   */
  async follow(handle: FileHandle): Promise<TornFragment | undefined> {
    const end = await this.#end(handle);
    if (end === this.size) return undefined;
    // The fragment (at most one line) and the last complete line (at most one line) fit in this window.
    const windowStart = Math.max(this.size, end - 2 * (MAX_AUDIT_LINE_BYTES + 1));
    const window = Buffer.alloc(end - windowStart);
    await handle.read(window, 0, window.length, windowStart);
    const lastNewline = window.lastIndexOf(0x0a);
    const linesEnd = lastNewline === -1 ? this.size : windowStart + lastNewline + 1;
    if (linesEnd > this.size) {
      const previous = lastNewline === 0 ? -1 : window.lastIndexOf(0x0a, lastNewline - 1);
      // No newline before it in the window: the last line is too long to be an entry (or the window
      // starts at the cursor, which is just after a newline).
      if (previous === -1 && windowStart > this.size) {
        throw corrupt(
          this.#path,
          `the line ending at byte ${linesEnd} is too long to be an entry`,
          'audit.log.corrupt',
        );
      }
      const text = window.subarray(previous + 1, lastNewline).toString('utf8');
      const entry = readEntryLine(text).entry;
      if (entry === undefined || entry.seq <= this.head.seq || !lineHashMatches(text, entry, this.#hmacKey)) {
        throw corrupt(
          this.#path,
          `the last entry another writer appended (ending at byte ${linesEnd}) ${
            entry === undefined
              ? 'is not a valid entry'
              : entry.seq <= this.head.seq
                ? `has seq ${entry.seq}, not past ${this.head.seq}`
                : 'does not verify (the file was altered, or that writer has another HMAC key)'
          }`,
          'audit.log.corrupt',
        );
      }
      this.head = { seq: entry.seq, hash: entry.hash };
      this.size = linesEnd;
    }
    return this.#fragment(handle, linesEnd, end);
  }

  async #end(handle: FileHandle): Promise<number> {
    const end = (await handle.stat()).size;
    if (end < this.size) {
      throw corrupt(
        this.#path,
        `the file is ${end} bytes, shorter than the ${this.size} bytes already read (entry ${this.head.seq} and before): it was cut`,
        'audit.log.truncated',
      );
    }
    return end;
  }

  /** The unterminated bytes `[start, end)`, if any; longer than a line, they are not a torn write. */
  async #fragment(handle: FileHandle, start: number, end: number): Promise<TornFragment | undefined> {
    if (start === end) return undefined;
    if (end - start > MAX_AUDIT_LINE_BYTES) {
      // A crash cuts one line at most: a longer unterminated tail is not a torn entry.
      throw corrupt(
        this.#path,
        `the file ends in ${end - start} bytes with no newline, more than any entry (${MAX_AUDIT_LINE_BYTES}): not a write cut by a crash`,
        'audit.log.corrupt',
      );
    }
    const hash = createHash('sha256');
    for await (const chunk of readRange(handle, start, end)) hash.update(chunk);
    return { start, bytes: end - start, sha256: hash.digest('hex') };
  }
}

/** Offset of the last `\n` in `[start, end)`, or -1; reads backwards, so a long tail costs its length. */
async function lastNewlineIn(handle: FileHandle, start: number, end: number): Promise<number> {
  let blockEnd = end;
  while (blockEnd > start) {
    const blockStart = Math.max(start, blockEnd - BACKWARD_BLOCK);
    const buffer = Buffer.alloc(blockEnd - blockStart);
    await handle.read(buffer, 0, buffer.length, blockStart);
    const index = buffer.lastIndexOf(0x0a);
    if (index !== -1) return blockStart + index;
    blockEnd = blockStart;
  }
  return -1;
}

function corrupt(path: string, problem: string, code: string): ValidationError {
  return new ValidationError(
    'auditLogPath',
    problem,
    'run `genesys-prompt audit verify` on it, keep it as evidence, and start a new audit trail',
    { file: path, code },
  );
}
