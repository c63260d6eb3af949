/**
 * The worker's side of a distributed batch: takes jobs from the BullMQ queue, `concurrency` at a
 * time, and runs each through the caller's injection. A finished injection completes its job (a
 * failed one fails it for good: the injector already retried what can be retried); an injection cut
 * short (the worker was told to abort) fails the attempt, so the job goes back to the queue. A worker
 * that dies holding a job loses its lock after `lockDurationMs`; another worker then takes the job and
 * sends the same idempotency key, so Genesys answers with the conversation already created.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { ValidationError } from '../errors.js';
import type { BatchRecord } from '../cli/batch/batch-journal.js';
import { DEFAULT_BATCH_QUEUE, JOB_ATTEMPTS, failedReasonOf } from './batch-queue.js';
import { parseQueuedInjection, type QueuedInjection } from './queued-injection.js';
import type { RedisStoreAddress } from './redis-store-address.js';

/** Default time a job stays with a worker that stopped answering (BullMQ's default lock, ms). */
export const DEFAULT_LOCK_DURATION_MS = 30_000;

/** Runs one queued injection: resolves with its record, ok or failed; rejects only when cut short. */
export type QueuedInjectionRunner = (injection: QueuedInjection, signal: AbortSignal) => Promise<BatchRecord>;

/** Options of `BatchWorker`. */
export interface BatchWorkerOptions {
  address: RedisStoreAddress;
  /** Queue name (default `genesys-prompt-batch`). */
  name?: string;
  /** Jobs in flight (default 8). */
  concurrency?: number;
  /** How long a silent worker keeps its job before another may take it (default 30 000 ms). */
  lockDurationMs?: number;
  run: QueuedInjectionRunner;
  /** Told about every job this worker finished. */
  onFinished?: (record: BatchRecord) => void;
}

/** A BullMQ worker of batch injections. */
export class BatchWorker {
  readonly #worker: Worker;
  readonly #run: QueuedInjectionRunner;
  readonly #onFinished: ((record: BatchRecord) => void) | undefined;
  #succeeded = 0;
  #failed = 0;

  /** @param options queue, concurrency, lock, the injection to run */
  constructor(options: BatchWorkerOptions) {
    this.#run = options.run;
    this.#onFinished = options.onFinished;
    const lockDuration = options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
    this.#worker = new Worker(
      options.name ?? DEFAULT_BATCH_QUEUE,
      (job, _token, signal) => this.#process(job, signal),
      {
        connection: { url: options.address.url, maxRetriesPerRequest: null },
        concurrency: options.concurrency ?? 8,
        lockDuration,
        stalledInterval: lockDuration,
        maxStalledCount: JOB_ATTEMPTS,
      },
    );
    this.#worker.on('error', () => undefined);
  }

  /** Jobs this worker finished: succeeded and failed injections. */
  get finished(): { succeeded: number; failed: number } {
    return { succeeded: this.#succeeded, failed: this.#failed };
  }

  /** Resolves once the worker is connected and taking jobs. */
  waitUntilReady(): Promise<unknown> {
    return this.#worker.waitUntilReady();
  }

  /** Stops taking jobs, waits for those in flight to finish, and closes. The rest stay queued. */
  stop(): Promise<void> {
    return this.#worker.close();
  }

  /** Aborts the injections in flight (their jobs go back to the queue); `stop()` then returns soon. */
  abortInFlight(): void {
    this.#worker.cancelAllJobs('the worker was stopped');
  }

  async #process(job: Job, signal: AbortSignal | undefined): Promise<BatchRecord> {
    let injection: QueuedInjection;
    try {
      injection = parseQueuedInjection(job.data);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.#failed++;
      throw new UnrecoverableError(
        failedReasonOf({ name: error.name, code: error.code, message: error.message }),
      );
    }
    const record = await this.#run(injection, signal ?? new AbortController().signal);
    this.#onFinished?.(record);
    if (record.status === 'failed') {
      this.#failed++;
      throw new UnrecoverableError(
        failedReasonOf(
          record.error ?? { name: 'Error', code: 'internal.error', message: 'the injection failed' },
        ),
      );
    }
    this.#succeeded++;
    return record;
  }
}
