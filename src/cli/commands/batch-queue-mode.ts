/**
 * `genesys-prompt batch <jobs> --queue redis://…` (enqueue the run on BullMQ; with `--wait`, follow
 * it across every worker with one progress bar and write the results file at the end) and
 * `genesys-prompt batch status <jobs> --queue redis://…` (where the run's jobs stand). The run and
 * each job's key are those of an in-process batch: the run id lives in the results file, and a job's
 * key derives from it, the job and its request (see batch/job-key.ts).
 */
import { readFile } from 'node:fs/promises';
import type { TokenizerName } from '../../prompt/tokens.js';
import { readBatchJobs } from '../batch/batch-jobs.js';
import { BatchJournal, parseBatchResults } from '../batch/batch-journal.js';
import { defaultResultsPath } from '../batch/results-path.js';
import { planBatch, type PlannedJob } from '../batch/batch-plan.js';
import { createBatchProgress } from '../batch/batch-progress.js';
import { jobKeys } from '../batch/job-key.js';
import { UsageError } from '../cli-error.js';
import { ExitCode, INTERRUPTED } from '../exit-codes.js';
import { writeText } from '../terminal-text.js';
import { parseRedisStoreAddress, type RedisStoreAddress } from '../../fleet/redis-store-address.js';
import type { QueuedInjection } from '../../fleet/queued-injection.js';

/** The flags of the queue mode. */
export interface QueueFlags {
  queue?: string;
  queueName?: string;
  wait?: boolean;
  out?: string;
  progressInterval: number;
  tokenizer: TokenizerName;
}

/** The queued form of each job, its template and examples included. */
function queuedInjections(
  runId: string,
  plan: readonly PlannedJob[],
  keys: readonly string[],
): QueuedInjection[] {
  const perJobBackend = plan.find(({ job }) => job.backend !== undefined);
  if (perJobBackend !== undefined) {
    throw new UsageError(
      `line ${perJobBackend.job.line}: backend`,
      "is not supported with --queue yet (queued jobs run on the worker's default backend)",
      'run this jobs file without --queue, or drop backend from its lines',
    );
  }
  return plan.map(({ job, template, examples }, i) => ({
    runId,
    key: keys[i]!,
    line: job.line,
    ...(job.id === undefined ? {} : { id: job.id }),
    assistantId: job.assistantId,
    variables: job.variables,
    template,
    examples,
  }));
}

/**
 * A queued run before it touches Redis: the checked address, the jobs read and planned, where their
 * results go, each job's queued form once the run id is known, and the queue (opened last, so
 * nothing is left connected when reading the files fails).
 */
async function planQueuedRun(jobsPath: string, queueFlag: string, flags: QueueFlags) {
  const address = queueAddress(queueFlag);
  const jobs = await readBatchJobs(jobsPath);
  const plan = await planBatch(jobsPath, jobs, { tokenizer: flags.tokenizer, json: false });
  const hashes = plan.map((p) => p.requestHash);
  return {
    address,
    jobs,
    outPath: flags.out ?? defaultResultsPath(jobsPath),
    injectionsOf: (runId: string) => queuedInjections(runId, plan, jobKeys(runId, jobs, hashes)),
    openQueue: async () => {
      const { BatchQueue } = await import('../../fleet/batch-queue.js');
      return new BatchQueue({
        address,
        ...(flags.queueName === undefined ? {} : { name: flags.queueName }),
      });
    },
  };
}

/** The checked `--queue` address. */
export function queueAddress(value: string): RedisStoreAddress {
  return parseRedisStoreAddress('--queue', value);
}

/**
 * Enqueues the jobs not yet done in the results file; with `--wait`, follows the run to its end and
 * writes every outcome to the results file.
 */
export async function runQueuedBatch(
  jobsPath: string,
  flags: QueueFlags & { queue: string },
  setExitCode: (code: number) => void,
): Promise<void> {
  const { address, jobs, outPath, injectionsOf, openQueue } = await planQueuedRun(
    jobsPath,
    flags.queue,
    flags,
  );
  const journal = await BatchJournal.open(outPath);
  const runId = journal.runId;
  const queue = await openQueue();
  try {
    const all = injectionsOf(runId);
    const pending = all.filter((injection) => !journal.succeeded(injection.key));
    const { added, alreadyQueued } = await queue.enqueue(pending);
    process.stderr.write(
      `batch: run ${runId} on queue ${queue.queue.name} at ${address.label}: ${added} jobs enqueued, ` +
        `${alreadyQueued} already queued, ${jobs.length - pending.length} already done in ${outPath}\n`,
    );
    if (!flags.wait) {
      process.stderr.write(
        'batch: start workers with `genesys-prompt worker --queue …`; follow with `batch status`\n',
      );
      setExitCode(ExitCode.ok);
      return;
    }
    await waitAndWrite({ address, queue, pending, journal, total: jobs.length, flags, outPath, setExitCode });
  } finally {
    await queue.close();
    await journal.close();
  }
}

async function waitAndWrite(context: {
  address: RedisStoreAddress;
  queue: import('../../fleet/batch-queue.js').BatchQueue;
  pending: QueuedInjection[];
  journal: BatchJournal;
  total: number;
  flags: QueueFlags;
  outPath: string;
  setExitCode: (code: number) => void;
}): Promise<void> {
  const { queue, pending, journal, total } = context;
  const { watchRun } = await import('../../fleet/run-watcher.js');
  const stop = new AbortController();
  const onSigint = (): void => {
    process.stderr.write('\nstopped waiting: the run goes on in the workers; `batch status` follows it\n');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  const progress = createBatchProgress(process.stderr, total, total - pending.length, {
    intervalMs: context.flags.progressInterval,
  });
  let lost: unknown;
  try {
    await watchRun({
      address: context.address,
      queue,
      jobs: pending,
      signal: stop.signal,
      onFinished: (failed) => progress.tick(failed),
    });
  } catch (error) {
    lost = error; // jobs vanished from the queue: write what finished, then say so
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const outcomes = await queue.outcomes(pending);
  let failures = 0;
  let written = 0;
  for (const record of outcomes) {
    if (record === undefined) continue;
    await journal.append(record);
    written++;
    if (record.status === 'failed') failures++;
  }
  const alreadyDone = total - pending.length;
  const done = alreadyDone + written - failures;
  writeText(
    process.stderr,
    `batch${stop.signal.aborted ? ' (stopped waiting)' : ''}: ${total} jobs: ${done} done${alreadyDone > 0 ? ` (${alreadyDone} in an earlier run)` : ''}, ${failures} failed, ${total - done - failures} not finished; results in ${context.outPath}\n`,
  );
  if (lost !== undefined) throw lost;
  if (stop.signal.aborted) context.setExitCode(INTERRUPTED);
  else context.setExitCode(failures > 0 ? ExitCode.other : ExitCode.ok);
}

/** The run id of a results file, from its header. */
async function runIdOf(outPath: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(outPath, 'utf8');
  } catch {
    throw new UsageError(
      '--out',
      `${outPath} does not exist, so no run was started with it`,
      'start the run with batch --queue first, or pass its --out file',
      {
        code: 'invalid.path',
      },
    );
  }
  const runId = parseBatchResults(text).header?.run.id;
  if (runId === undefined) {
    throw new UsageError(
      '--out',
      `${outPath} has no run header`,
      'pass the results file of a batch --queue run',
      {
        code: 'invalid.results.file',
      },
    );
  }
  return runId;
}

/** `batch status`: where the run's jobs stand on the queue. */
export async function runBatchStatus(jobsPath: string, flags: QueueFlags): Promise<number> {
  if (flags.queue === undefined) {
    throw new UsageError('--queue', 'is required by batch status', 'pass --queue redis://host:6379', {
      code: 'invalid.flag',
    });
  }
  const { address, outPath, injectionsOf, openQueue } = await planQueuedRun(jobsPath, flags.queue, flags);
  const runId = await runIdOf(outPath);
  const queue = await openQueue();
  try {
    const run = await queue.runCounts(injectionsOf(runId));
    const all = await queue.queueCounts();
    process.stdout.write(
      `run ${runId}: ${run.total} jobs — ${run.succeeded} succeeded, ${run.failed} failed, ` +
        `${run.active} running, ${run.waiting} waiting, ${run.delayed} retrying, ${run.missing} not queued\n` +
        `queue ${queue.queue.name} at ${address.label}: ` +
        Object.entries(all)
          .map(([state, count]) => `${count} ${state}`)
          .join(', ') +
        '\n',
    );
    return ExitCode.ok;
  } finally {
    await queue.close();
  }
}
