/** A file trail read back for verification, without opening it for writing. */
import { checkpointPathFor } from './audit-checkpoint-file.js';
import { readFileLines, readOptionalFileLines } from './audit-file-lines.js';
import type { AuditTrailSource } from './audit-sink.js';

/** A read-only view of the file trail at `path` and its checkpoint file. */
export function fileTrailSource(path: string): AuditTrailSource {
  return {
    target: path,
    lines: () => readFileLines(path),
    checkpoints: () => readOptionalFileLines(checkpointPathFor(path)),
  };
}
