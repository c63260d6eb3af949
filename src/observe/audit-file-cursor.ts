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
import { readEntryLine } from './audit-entry.js';
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
   * Reads and checks every complete line after the cursor, moving it to the end of the last one.
   * Returns the torn fragment that follows them, if any.
   * @throws ValidationError (`audit.log.truncated`) when the file is shorter than what was checked,
   *   (`audit.log.corrupt`) when a new line is not an entry that continues the chain
   */
  async advance(handle: FileHandle): Promise<TornFragment | undefined> {
    const end = (await handle.stat()).size;
    if (end < this.size) {
      throw corrupt(
        this.#path,
        `the file is ${end} bytes, shorter than the ${this.size} bytes already checked (entry ${this.head.seq} and before): it was cut`,
        'audit.log.truncated',
      );
    }
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
    if (linesEnd === end) return undefined;
    const hash = createHash('sha256');
    for await (const chunk of readRange(handle, linesEnd, end)) hash.update(chunk);
    return { start: linesEnd, bytes: end - linesEnd, sha256: hash.digest('hex') };
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
