/**
 * The checkpoint file beside a file trail: one checkpoint per line, each chained to the one before.
 * Writers read it under the trail's lock, check what others added, and append theirs.
 */
import type { FileHandle } from 'node:fs/promises';
import { ValidationError } from '../errors.js';
import { type AuditCheckpoint, formatCheckpointLine } from './audit-checkpoint.js';
import { CheckpointChain } from './audit-checkpoint-chain.js';
import { readRange, writeAll } from './audit-file-io.js';
import { MAX_AUDIT_LINE_BYTES, splitLines } from './audit-file-lines.js';

/** The checkpoint file of the trail at `trailPath`: the same name with `.checkpoints` added. */
export function checkpointPathFor(trailPath: string): string {
  return `${trailPath}.checkpoints`;
}

/** How far a writer has read and checked the checkpoint file. */
export class CheckpointFileCursor {
  /** Bytes checked (just after a `\n`, or 0). */
  size = 0;
  /** The checkpoints checked so far. */
  readonly chain = new CheckpointChain();
  /** Offset of a torn checkpoint line at the end (a crash mid-write), to overwrite. */
  #tornAt: number | undefined;
  readonly #path: string;

  /** @param path the checkpoint file's path, for error messages */
  constructor(path: string) {
    this.#path = path;
  }

  /** The last checkpoint, if any. */
  get last(): AuditCheckpoint | undefined {
    return this.chain.last;
  }

  /**
   * Reads and checks every checkpoint after the cursor (`CheckpointChain`'s rules).
   * @throws ValidationError (`audit.checkpoints.corrupt`) naming the first bad line
   */
  async advance(handle: FileHandle): Promise<void> {
    const end = (await handle.stat()).size;
    if (end < this.size) {
      throw this.#corrupt(`the file is shorter than the ${this.size} bytes already checked: it was cut`);
    }
    let position = this.size;
    this.#tornAt = undefined;
    for await (const line of splitLines(readRange(handle, this.size, end))) {
      if (!line.terminated) {
        this.#tornAt = position;
        break;
      }
      const problem =
        line.bytes > MAX_AUDIT_LINE_BYTES ? 'is too long' : this.chain.accept(line.text).problem;
      if (problem !== undefined) throw this.#corrupt(`the checkpoint at byte ${position} ${problem}`);
      position += line.bytes + 1;
      this.size = position;
    }
  }

  /** Appends `checkpoint` (overwriting a torn checkpoint line, if any) and syncs it. */
  async append(handle: FileHandle, checkpoint: AuditCheckpoint): Promise<void> {
    const line = formatCheckpointLine(checkpoint);
    const buffer = Buffer.from(`${line}\n`, 'utf8');
    const at = this.#tornAt ?? this.size;
    await writeAll(handle, buffer, at);
    if (this.#tornAt !== undefined) await handle.truncate(at + buffer.length);
    await handle.datasync();
    this.#tornAt = undefined;
    this.size = at + buffer.length;
    this.chain.record(checkpoint, line);
  }

  #corrupt(problem: string): ValidationError {
    return new ValidationError(
      'auditLogPath',
      problem,
      'run `genesys-prompt audit verify` on the trail, keep both files as evidence, and start a new audit trail',
      { file: this.#path, code: 'audit.checkpoints.corrupt' },
    );
  }
}
