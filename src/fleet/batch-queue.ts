/**
 * The producer's side of a distributed batch on BullMQ: enqueue a run (a job id per idempotency key,
 * so enqueueing the same run again adds nothing), count where its jobs are, and read their outcomes.
 * An injection that failed ends its job as failed, with the typed error as the failed reason, so the
 * queue's own counts and any BullMQ dashboard read true.
 */
import { Queue, type Job } from 'bullmq';
import type { BatchRecord } from '../cli/batch/batch-journal.js';
import { queueJobId, type QueuedInjection } from './queued-injection.js';
import type { RedisStoreAddress } from './redis-store-address.js';

/** Default BullMQ queue name of batches. */
export const DEFAULT_BATCH_QUEUE = 'genesys-prompt-batch';
/** Attempts of one job when its worker is stopped or dies (an injection's own failure is final). */
export const JOB_ATTEMPTS = 5;
/** Jobs read from Redis at once. */
const READ_BATCH = 200;

/** Where a queue lives. */
export interface BatchQueueOptions {
  address: RedisStoreAddress;
  /** Queue name (default `genesys-prompt-batch`). */
  name?: string;
}

/** How a run's jobs stand. */
export interface RunCounts {
  total: number;
  waiting: number;
  active: number;
  /** Waiting out a retry after their worker stopped. */
  delayed: number;
  succeeded: number;
  failed: number;
  /** Not in the queue (never enqueued, or removed). */
  missing: number;
}

/** A failure recorded as a job's failed reason. */
interface RecordedError {
  name: string;
  code: string;
  message: string;
}

/**
 * The failed reason a worker gives a failed injection: the error as JSON.
 * @param error the record's error
 */
export function failedReasonOf(error: RecordedError): string {
  return JSON.stringify(error);
}

function recordedError(reason: string | undefined): RecordedError {
  try {
    const parsed = JSON.parse(reason ?? '') as Partial<RecordedError>;
    if (
      typeof parsed.name === 'string' &&
      typeof parsed.code === 'string' &&
      typeof parsed.message === 'string'
    ) {
      return { name: parsed.name, code: parsed.code, message: parsed.message };
    }
  } catch {
    // a failure of the queue itself (a job that stalled too often): reported as such below
  }
  return { name: 'QueueError', code: 'queue.job.failed', message: reason ?? 'the job failed in the queue' };
}

/** A BullMQ queue of batch injections. */
export class BatchQueue {
  /** The BullMQ queue. */
  readonly queue: Queue;

  /** @param options address and name */
  constructor(options: BatchQueueOptions) {
    this.queue = new Queue(options.name ?? DEFAULT_BATCH_QUEUE, {
      connection: { url: options.address.url },
    });
    // Errors reach the caller through the failing call; the event would otherwise print nothing useful.
    this.queue.on('error', () => undefined);
  }

  /**
   * Adds the jobs of a run; those already in the queue (same run, same key) are left as they are.
   * @param jobs the run's jobs
   * @returns how many were added and how many were there already
   */
  async enqueue(jobs: readonly QueuedInjection[]): Promise<{ added: number; alreadyQueued: number }> {
    const states = await this.states(jobs);
    const fresh = jobs.filter((_, i) => states[i] === 'unknown');
    for (let start = 0; start < fresh.length; start += READ_BATCH) {
      await this.queue.addBulk(
        fresh.slice(start, start + READ_BATCH).map((job) => ({
          name: 'inject',
          data: job,
          opts: {
            jobId: queueJobId(job.runId, job.key),
            attempts: JOB_ATTEMPTS,
            backoff: { type: 'fixed', delay: 1000 },
          },
        })),
      );
    }
    return { added: fresh.length, alreadyQueued: jobs.length - fresh.length };
  }

  /** Counts of the whole queue, every run together. */
  async queueCounts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  }

  /**
   * Where each job of a run stands.
   * @param jobs the run's jobs
   */
  async runCounts(jobs: readonly QueuedInjection[]): Promise<RunCounts> {
    const counts: RunCounts = {
      total: jobs.length,
      waiting: 0,
      active: 0,
      delayed: 0,
      succeeded: 0,
      failed: 0,
      missing: 0,
    };
    for (const state of await this.states(jobs)) {
      if (state === 'completed') counts.succeeded++;
      else if (state === 'failed') counts.failed++;
      else if (state === 'active') counts.active++;
      else if (state === 'delayed') counts.delayed++;
      else if (state === 'unknown') counts.missing++;
      else counts.waiting++;
    }
    return counts;
  }

  /**
   * The outcome of each finished job of a run, as a results-file record (undefined: not finished).
   * @param jobs the run's jobs
   */
  async outcomes(jobs: readonly QueuedInjection[]): Promise<Array<BatchRecord | undefined>> {
    const records: Array<BatchRecord | undefined> = [];
    for (let start = 0; start < jobs.length; start += READ_BATCH) {
      const slice = jobs.slice(start, start + READ_BATCH);
      const found = await Promise.all(slice.map((job) => this.queue.getJob(queueJobId(job.runId, job.key))));
      for (const [i, job] of found.entries()) records.push(outcomeOf(slice[i]!, job as Job | undefined));
    }
    return records;
  }

  /** Closes the queue's connection. */
  async close(): Promise<void> {
    await this.queue.close();
  }

  /**
   * The BullMQ state of each job (`unknown` when it is not in the queue), read 200 at a time.
   * @param jobs the jobs
   */
  async states(jobs: readonly QueuedInjection[]): Promise<string[]> {
    const states: string[] = [];
    for (let start = 0; start < jobs.length; start += READ_BATCH) {
      const slice = jobs.slice(start, start + READ_BATCH);
      states.push(
        ...(await Promise.all(slice.map((job) => this.queue.getJobState(queueJobId(job.runId, job.key))))),
      );
    }
    return states;
  }
}

/** The record of a finished job; undefined while it is not finished. */
function outcomeOf(injection: QueuedInjection, job: Job | undefined): BatchRecord | undefined {
  if (job === undefined) return undefined;
  const base = {
    key: injection.key,
    line: injection.line,
    ...(injection.id === undefined ? {} : { id: injection.id }),
  };
  if (job.finishedOn === undefined) return undefined;
  if (job.failedReason !== undefined && job.failedReason !== '' && job.returnvalue == null) {
    return { ...base, status: 'failed', error: recordedError(job.failedReason) };
  }
  const value = job.returnvalue as Partial<BatchRecord> | null;
  if (value === null || value.status !== 'ok') return undefined;
  return { ...value, ...base, status: 'ok' };
}
