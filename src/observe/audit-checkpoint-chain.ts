/**
 * The rules a sequence of checkpoints must follow, checked one line at a time by writers (before they
 * add theirs) and by the verifier: each canonical, chained to the line before, `count` never
 * decreasing, signatures valid and all by one key (the expected one when the verifier pins it), and
 * no unsigned checkpoint after a signed one (which would let anyone extend a signed trail).
 */
import {
  type AuditCheckpoint,
  checkpointLineHash,
  checkpointSignatureProblem,
  isSigned,
  readCheckpointLine,
} from './audit-checkpoint.js';
import { GENESIS_HASH } from './audit-entry.js';

/** What `CheckpointChain.accept` found: the checkpoint, or why the line breaks the rules. */
export type CheckpointAcceptance =
  { checkpoint: AuditCheckpoint; problem?: undefined } | { checkpoint?: undefined; problem: string };

/** Checks checkpoint lines in order and remembers the last one. */
export class CheckpointChain {
  /** The last accepted checkpoint. */
  last: AuditCheckpoint | undefined;
  /** SHA-256 of the last accepted line: the next one's `prevHash`. */
  lastLineHash = GENESIS_HASH;
  /** Key id of the signed checkpoints, once one was accepted (or the pinned key). */
  signedBy: string | undefined;
  /** Accepted checkpoints. */
  accepted = 0;
  readonly #pinned: string | undefined;

  /** @param pinnedKeyId when given, signed checkpoints must be signed by this key */
  constructor(pinnedKeyId?: string) {
    this.#pinned = pinnedKeyId;
  }

  /** Checks one line; on success it becomes the last checkpoint. */
  accept(line: string): CheckpointAcceptance {
    const reading = readCheckpointLine(line);
    if (reading.checkpoint === undefined) return reading;
    const checkpoint = reading.checkpoint;
    const problem = this.#problem(checkpoint);
    if (problem !== undefined) return { problem };
    if (isSigned(checkpoint)) this.signedBy ??= checkpoint.keyId;
    this.last = checkpoint;
    this.lastLineHash = checkpointLineHash(line);
    this.accepted += 1;
    return { checkpoint };
  }

  /** Records a checkpoint its writer just made (already known good). */
  record(checkpoint: AuditCheckpoint, line: string): void {
    if (isSigned(checkpoint)) this.signedBy ??= checkpoint.keyId;
    this.last = checkpoint;
    this.lastLineHash = checkpointLineHash(line);
    this.accepted += 1;
  }

  #problem(checkpoint: AuditCheckpoint): string | undefined {
    if (checkpoint.prevHash !== this.lastLineHash) return 'does not chain from the checkpoint before it';
    if (this.last !== undefined && checkpoint.count < this.last.count) {
      return `counts ${checkpoint.count} entries, fewer than the ${this.last.count} of the checkpoint before it`;
    }
    if (
      this.last !== undefined &&
      checkpoint.count === this.last.count &&
      checkpoint.headHash !== this.last.headHash
    ) {
      return `names another head for entry ${checkpoint.count} than the checkpoint before it`;
    }
    if (!isSigned(checkpoint)) {
      return this.signedBy === undefined ? undefined : 'is unsigned, after signed checkpoints';
    }
    const expected = this.signedBy ?? this.#pinned;
    return checkpointSignatureProblem(checkpoint, expected === undefined ? undefined : { keyId: expected });
  }
}
