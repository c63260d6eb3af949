/**
 * `genesys-prompt batch <jobs> --queue redis://…` (enqueue the run on BullMQ; with `--wait`, follow
 * it across every worker with one progress bar and write the results file at the end) and
 * `genesys-prompt batch status <jobs> --queue redis://…` (where the run's jobs stand).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { BatchJob } from '../batch/batch-jobs.js';
import { readBatchJobs } from '../batch/batch-jobs.js';
import { BatchJournal } from '../batch/batch-journal.js';
import { createBatchProgress } from '../batch/batch-progress.js';
import { ExitCode, INTERRUPTED } from '../exit-codes.js';
import type { PromptInputs } from '../prompt-inputs.js';
import { parseRedisStoreAddress, type RedisStoreAddress } from '../../fleet/redis-store-address.js';
import type { QueuedInjection } from '../../fleet/queued-injection.js';
import { inputsId, loadAll } from './batch-command.js';

/** The flags of the queue mode. */
export interface QueueFlags {
  queue?: string;
  queueName?: string;
  wait?: boolean;
  out?: string;
  progressInterval: number;
}

/** The default results file of a jobs file. */
export const resultsPathOf = (jobsPath: string, out: string | undefined): string =>
  out ?? jobsPath.replace(/(\.jsonl?)?$/, '.results.jsonl');

/**
 * The run a results file stands for: a new results file is a new run, the same one the same run.
 * @param outPath the results file
 */
export function queuedRunId(outPath: string): string {
  return createHash('sha256')
    .update(`run\n${resolve(outPath)}`)
    .digest('hex')
    .slice(0, 24);
}

/** The queued form of each job, its template and examples included. */
function queuedInjections(
  runId: string,
  jobs: readonly BatchJob[],
  inputs: Map<string, PromptInputs>,
): QueuedInjection[] {
  return jobs.map((job) => {
    const { template, examples } = inputs.get(inputsId(job))!;
    return {
      runId,
      key: job.key,
      line: job.line,
      ...(job.id === undefined ? {} : { id: job.id }),
      assistantId: job.assistantId,
      variables: job.variables,
      template,
      examples,
    };
  });
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
  const address = queueAddress(flags.queue);
  const jobs = await readBatchJobs(jobsPath);
  const inputs = await loadAll(jobsPath, jobs);
  const outPath = resultsPathOf(jobsPath, flags.out);
  const runId = queuedRunId(outPath);
  const journal = await BatchJournal.open(outPath);
  const { BatchQueue } = await import('../../fleet/batch-queue.js');
  const queue = new BatchQueue({
    address,
    ...(flags.queueName === undefined ? {} : { name: flags.queueName }),
  });
  try {
    const pending = queuedInjections(
      runId,
      jobs.filter((job) => !journal.succeeded(job.key)),
      inputs,
    );
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
  process.stderr.write(
    `batch: ${total} jobs, ${total - pending.length} already done, ${written} finished now (${failures} failed); results in ${context.outPath}\n`,
  );
  if (lost !== undefined) throw lost;
  if (stop.signal.aborted) context.setExitCode(INTERRUPTED);
  else context.setExitCode(failures > 0 ? ExitCode.other : ExitCode.ok);
}

/** Builds `batch status`. */
export function batchStatusCommand(setExitCode: (code: number) => void): Command {
  return new Command('status')
    .description('where the jobs of a queued run stand (with --queue)')
    .argument('<jobs>', 'the jobs file of the run')
    .option('--queue <redis-url>', 'the Redis of the queue')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option('--out <file>', "the run's results file (default <jobs>.results.jsonl)")
    .action(async (jobsPath: string, _flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<QueueFlags>();
      if (flags.queue === undefined) {
        const { UsageError } = await import('../cli-error.js');
        throw new UsageError('--queue', 'is required by batch status', 'pass --queue redis://host:6379');
      }
      const address = queueAddress(flags.queue);
      const jobs = await readBatchJobs(jobsPath);
      const inputs = await loadAll(jobsPath, jobs);
      const outPath = resultsPathOf(jobsPath, flags.out);
      const runId = queuedRunId(outPath);
      const { BatchQueue } = await import('../../fleet/batch-queue.js');
      const queue = new BatchQueue({
        address,
        ...(flags.queueName === undefined ? {} : { name: flags.queueName }),
      });
      try {
        const run = await queue.runCounts(queuedInjections(runId, jobs, inputs));
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
        setExitCode(ExitCode.ok);
      } finally {
        await queue.close();
      }
    });
}
