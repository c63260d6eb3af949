/**
 * Splits bytes into lines in one pass, in time linear in their size and memory bounded by the line
 * limit: a line longer than the limit is measured, not kept (no valid audit entry or checkpoint is
 * that long). Used to read a trail and its checkpoints from disk.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { AuditTrailLine } from './audit-sink.js';

/** Longest line kept whole; an audit entry is about 600 bytes, a checkpoint about 500. */
export const MAX_AUDIT_LINE_BYTES = 64 * 1024;

/**
 * The lines of a byte stream; the last one has `terminated: false` when it has no newline.
 * @param maxLineBytes lines longer than this keep only their first `maxLineBytes` bytes in `text`
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes = MAX_AUDIT_LINE_BYTES,
): AsyncGenerator<AuditTrailLine> {
  // The current line's kept pieces (at most maxLineBytes in all) and its full length so far.
  let parts: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  const keep = (piece: Buffer): void => {
    bytes += piece.length;
    if (kept >= maxLineBytes) return;
    const slice = piece.length > maxLineBytes - kept ? piece.subarray(0, maxLineBytes - kept) : piece;
    // Copied, since the stream may reuse its chunk's memory.
    parts.push(Buffer.from(slice));
    kept += slice.length;
  };
  const line = (terminated: boolean): AuditTrailLine => {
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, kept)).toString('utf8');
    const result = { text, bytes, terminated };
    parts = [];
    kept = 0;
    bytes = 0;
    return result;
  };
  for await (const buffer of chunks) {
    let start = 0;
    let newline = buffer.indexOf(0x0a, start);
    while (newline !== -1) {
      const piece = buffer.subarray(start, newline);
      if (bytes === 0 && piece.length <= maxLineBytes) {
        // The common case: a whole line inside the chunk, no copy.
        yield { text: piece.toString('utf8'), bytes: piece.length, terminated: true };
      } else {
        keep(piece);
        yield line(true);
      }
      start = newline + 1;
      newline = buffer.indexOf(0x0a, start);
    }
    if (start < buffer.length) keep(buffer.subarray(start));
  }
  if (bytes > 0) yield line(false);
}

/**
 * The lines of the file at `path` (see `splitLines`).
 * @param maxLineBytes lines longer than this keep only their first `maxLineBytes` bytes in `text`
 */
export function readFileLines(
  path: string,
  maxLineBytes = MAX_AUDIT_LINE_BYTES,
): AsyncGenerator<AuditTrailLine> {
  return splitLines(
    createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>,
    maxLineBytes,
  );
}

/** Like `readFileLines`, but a file that does not exist has no lines. */
export async function* readOptionalFileLines(
  path: string,
  maxLineBytes = MAX_AUDIT_LINE_BYTES,
): AsyncGenerator<AuditTrailLine> {
  try {
    await access(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  yield* readFileLines(path, maxLineBytes);
}
