/**
 * The results file of `genesys-prompt batch`, which is also its journal: one JSON line per finished
 * job, keyed by the job's idempotency key and flushed to disk before the job counts as done. A rerun
 * reads it, skips the jobs that succeeded, and retries the rest with the same keys. A line torn by a
 * crash is cut off before appending.
 */
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';

/** One line of the results file. */
export interface BatchRecord {
  key: string;
  line: number;
  id?: string;
  status: 'ok' | 'failed';
  conversationId?: string;
  response?: string;
  finishReason?: string;
  truncated?: boolean;
  usage?: { promptTokens: number; completionTokens: number };
  error?: { name: string; code: string; message: string };
}

/** Appends records durably; knows which keys already succeeded. */
export class BatchJournal {
  readonly #handle: FileHandle;
  readonly #succeeded: Set<string>;
  #writes: Promise<void> = Promise.resolve();

  private constructor(handle: FileHandle, succeeded: Set<string>) {
    this.#handle = handle;
    this.#succeeded = succeeded;
  }

  /**
   * Opens (or creates) the results file, dropping a torn last line.
   * @param path the results file
   */
  static async open(path: string): Promise<BatchJournal> {
    const succeeded = new Set<string>();
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    if (complete.length !== text.length) await truncate(path, Buffer.byteLength(complete));
    for (const line of complete.split('\n')) {
      if (line === '') continue;
      try {
        const record = JSON.parse(line) as BatchRecord;
        if (record.status === 'ok') succeeded.add(record.key);
      } catch {
        // A damaged line in the middle: its job is simply done again.
      }
    }
    return new BatchJournal(await open(path, 'a'), succeeded);
  }

  /** True when the job with this key already succeeded. */
  succeeded(key: string): boolean {
    return this.#succeeded.has(key);
  }

  /** How many jobs already succeeded. */
  get succeededCount(): number {
    return this.#succeeded.size;
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
