/**
 * Follows a queued run to its end from any host: counts each job once as it finishes, whichever
 * worker finished it, from the queue's event stream, and reconciles with the jobs' states every few
 * seconds so a missed event (a reconnect, a trimmed stream) cannot leave the count short.
 */
import { QueueEvents } from 'bullmq';
import type { BatchQueue } from './batch-queue.js';
import { QueuedJobsMissingError } from './queue-errors.js';
import { queueJobId, type QueuedInjection } from './queued-injection.js';
import type { RedisStoreAddress } from './redis-store-address.js';

/** Default ms between reconciliations with the jobs' states. */
export const DEFAULT_RECONCILE_MS = 3000;

/** Options of `watchRun`. */
export interface WatchRunOptions {
  address: RedisStoreAddress;
  queue: BatchQueue;
  jobs: readonly QueuedInjection[];
  /** Told once per job that finishes after the watch began (and once per job already finished). */
  onFinished: (failed: boolean) => void;
  /** Stops watching; `watchRun` then resolves with what is finished so far. */
  signal?: AbortSignal;
  /** ms between reconciliations (default 3 000). */
  reconcileMs?: number;
}

/**
 * Resolves when every job of the run has finished (succeeded or failed for good), or when `signal`
 * fires.
 * @returns how many finished
 * @throws QueuedJobsMissingError when jobs of the run vanished from the queue
 */
export async function watchRun(options: WatchRunOptions): Promise<number> {
  const { queue, jobs, onFinished } = options;
  const ids = new Set(jobs.map((job) => queueJobId(job.runId, job.key)));
  const finished = new Set<string>();
  let wake = (): void => undefined;
  const mark = (id: string, failed: boolean): void => {
    if (!ids.has(id) || finished.has(id)) return;
    finished.add(id);
    onFinished(failed);
    if (finished.size === ids.size) wake();
  };
  const events = new QueueEvents(queue.queue.name, { connection: { url: options.address.url } });
  events.on('error', () => undefined);
  events.on('completed', ({ jobId }) => mark(jobId, false));
  events.on('failed', ({ jobId }) => mark(jobId, true));
  let missingBefore = 0;
  const reconcile = async (): Promise<void> => {
    const open = jobs.filter((job) => !finished.has(queueJobId(job.runId, job.key)));
    const states = (await queue.states(open)).map(
      (state, i) => [queueJobId(open[i]!.runId, open[i]!.key), state] as const,
    );
    let missing = 0;
    for (const [id, state] of states) {
      if (state === 'completed') mark(id, false);
      else if (state === 'failed') mark(id, true);
      else if (state === 'unknown') missing++;
    }
    // Missing twice in a row (not a job caught between two states): the queue lost them.
    if (missing > 0 && missingBefore > 0) throw new QueuedJobsMissingError(missing);
    missingBefore = missing;
  };
  const onAbort = (): void => wake();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await events.waitUntilReady();
    await reconcile();
    while (finished.size < ids.size && !options.signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.reconcileMs ?? DEFAULT_RECONCILE_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (finished.size < ids.size && !options.signal?.aborted) await reconcile();
    }
    return finished.size;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await events.close();
  }
}
