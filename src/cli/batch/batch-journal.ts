/**
 * The results file of `genesys-prompt batch`, which is also its journal. Its first line names the run
 * (`{"run": {"id": ..., "createdAt": ...}}`); the run id is part of every job's idempotency key, so a
 * new results file is a new run. Then one JSON line per finished job, flushed to disk before the job
 * counts as done. A rerun with the same file reads it, skips the jobs that succeeded, and retries the
 * rest with the same keys. A line torn by a crash is cut off before appending.
 */
import { randomUUID } from 'node:crypto';
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../cli-error.js';

/** The first line of a results file. */
export interface BatchRunHeader {
  run: { id: string; createdAt: string };
}

/** One job's line in the results file. */
export interface BatchRecord {
  /** The idempotency key the job was sent with. */
  key: string;
  /** The job's line in the jobs file. */
  line: number;
  id?: string;
  status: 'ok' | 'failed';
  /** SHA-256 of what shaped the request (see job-key.ts). */
  requestHash?: string;
  conversationId?: string;
  response?: string;
  finishReason?: string;
  truncated?: boolean;
  usage?: { promptTokens: number; completionTokens: number };
  /** When the job started (ISO 8601) and how long it took, end to end, in ms. */
  startedAt?: string;
  durationMs?: number;
  /** ms from start to the first answer chunk. */
  firstChunkMs?: number;
  retries?: number;
  error?: { name: string; code: string; message: string };
}

/** A results file, parsed: the run, and each job's line in order (torn or damaged lines left out). */
export interface BatchResults {
  header: BatchRunHeader | undefined;
  records: BatchRecord[];
  /** Lines that are not JSON (a torn last line, a damaged one). */
  unreadableLines: number;
}

const isHeader = (value: unknown): value is BatchRunHeader =>
  typeof value === 'object' &&
  value !== null &&
  'run' in value &&
  typeof (value as BatchRunHeader).run?.id === 'string';

/** Parses the text of a results file. */
export function parseBatchResults(text: string): BatchResults {
  let header: BatchRunHeader | undefined;
  const records: BatchRecord[] = [];
  let unreadableLines = 0;
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      unreadableLines++;
      continue;
    }
    if (index === 0 && isHeader(value)) header = value;
    else if (typeof value === 'object' && value !== null && typeof (value as BatchRecord).key === 'string') {
      records.push(value as BatchRecord);
    } else unreadableLines++;
  }
  return { header, records, unreadableLines };
}

/** Appends records durably; knows the run and which keys already succeeded. */
export class BatchJournal {
  readonly #handle: FileHandle;
  readonly #succeeded: Set<string>;
  #writes: Promise<void> = Promise.resolve();
  /** The run id every job key of this file derives from. */
  readonly runId: string;

  private constructor(handle: FileHandle, runId: string, succeeded: Set<string>) {
    this.#handle = handle;
    this.runId = runId;
    this.#succeeded = succeeded;
  }

  /**
   * Opens the results file, or creates it with a new run id; drops a torn last line.
   * @param path the results file
   * @param flag how the user named it, for errors (`--out`)
   * @throws UsageError when the file holds lines but no run header (not a results file of a run)
   */
  static async open(path: string, flag = '--out'): Promise<BatchJournal> {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) await truncate(path, Buffer.byteLength(complete));
    const { header, records } = parseBatchResults(complete);
    if (header === undefined && complete.trim() !== '') {
      throw new UsageError(
        flag,
        `${path} holds lines but no run header, so it is not the results file of a batch run`,
        'pass a new results file (a new run), or the file an earlier run of batch wrote',
        { code: 'invalid.results.file' },
      );
    }
    const handle = await open(path, 'a');
    let runId = header?.run.id;
    if (runId === undefined) {
      runId = randomUUID();
      const line: BatchRunHeader = { run: { id: runId, createdAt: new Date().toISOString() } };
      await handle.write(`${JSON.stringify(line)}\n`);
      await handle.datasync();
    }
    const succeeded = new Set(records.filter((r) => r.status === 'ok').map((r) => r.key));
    return new this(handle, runId, succeeded);
  }

  /** True when the job with this key already succeeded. */
  succeeded(key: string): boolean {
    return this.#succeeded.has(key);
  }

  /** Appends one record and flushes it to disk. */
  append(record: BatchRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    this.#writes = this.#writes.then(async () => {
      await this.#handle.write(line);
      await this.#handle.datasync();
      if (record.status === 'ok') this.#succeeded.add(record.key);
    });
    return this.#writes;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#writes.catch(() => undefined);
    await this.#handle.close();
  }
}
