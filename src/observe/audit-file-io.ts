/**
 * File helpers of the file trail: open-or-create with a durable directory entry, positioned whole
 * writes, and reading a byte range in bounded chunks.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

const READ_CHUNK = 256 * 1024;

/** Opens `path` for reading and writing, creating it (and syncing its directory) when missing. */
export async function openReadWrite(path: string): Promise<FileHandle> {
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
export async function syncDirectory(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } catch {
    // Some platforms refuse fsync on a directory; the file's own syncs still hold.
  } finally {
    await dir.close();
  }
}

/** Writes all of `buffer` at `position` (a write may be partial; this loops until it is not). */
export async function writeAll(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** The bytes of `[start, end)` in chunks of at most 256 KiB (each a fresh buffer). */
export async function* readRange(handle: FileHandle, start: number, end: number): AsyncGenerator<Buffer> {
  let position = start;
  while (position < end) {
    const buffer = Buffer.alloc(Math.min(READ_CHUNK, end - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
  }
}

/**
 * The last complete line ending at or before `end` (without its `\n`), and where it starts; undefined
 * when there is none. Reads backwards in growing blocks, so only the tail of a big file is read.
 */
export async function readLineBefore(
  handle: FileHandle,
  end: number,
): Promise<{ text: string; start: number } | undefined> {
  // `end` is just after a `\n` (or 0); look for the `\n` before the line that ends there.
  if (end === 0) return undefined;
  let block = 4 * 1024;
  for (;;) {
    const start = Math.max(0, end - 1 - block);
    const buffer = Buffer.alloc(end - 1 - start);
    await handle.read(buffer, 0, buffer.length, start);
    const previous = buffer.lastIndexOf(0x0a);
    if (previous !== -1 || start === 0) {
      return { text: buffer.subarray(previous + 1).toString('utf8'), start: start + previous + 1 };
    }
    if (block >= 1024 * 1024) return { text: '', start: -1 };
    block *= 4;
  }
}
