/**
 * `genesys-prompt batch <jobs.jsonl>`: the flags, checked before anything starts; the work is in
 * batch-action.ts, loaded only when the command runs.
 */
import { Command } from 'commander';
import { defaultResultsPath } from '../batch/results-path.js';
import { checkInputFile, checkOutputFile } from '../file-flags.js';
import { MAX_TIMER_MS, wholeNumber } from '../flag-values.js';
import { addInjectorFlags, addRpmFlag, checkInjectorFiles, type InjectorFlags } from '../injector-flags.js';

/** Parsed flags of `batch`. */
export interface BatchFlags extends InjectorFlags {
  concurrency: number;
  rpm: number;
  out?: string;
  progressInterval: number;
  json?: boolean;
  /** Enqueue the run on this Redis (BullMQ) instead of running it here. */
  queue?: string;
  queueName?: string;
  wait?: boolean;
}

/** Builds the `batch` command. */
export function batchCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('batch')
    .description('run one injection per line of a JSON-lines jobs file; resumable through its results file')
    .argument(
      '<jobs>',
      'jobs file: {"template": "...", "variables": {...}, "assistant": "...", "id": "..."} per line',
    )
    .option(
      '--concurrency <n>',
      'injections in flight',
      wholeNumber('--concurrency', { min: 1, max: 1000, example: 8 }),
      8,
    )
    .option(
      '--out <file>',
      'results file, also the run journal: the same file resumes the run, a new file starts a new run (default <jobs>.results.jsonl)',
    )
    .option(
      '--progress-interval <ms>',
      'ms between progress lines when not on a terminal',
      wholeNumber('--progress-interval', { min: 1, max: MAX_TIMER_MS, example: 2000 }),
      2000,
    )
    .option(
      '--json',
      'print the summary as JSON on stdout (and errors as JSON on stderr); no progress display',
    );
  addRpmFlag(command, 300);
  addInjectorFlags(command);
  command
    .option('--queue <redis-url>', 'enqueue the run on this Redis (BullMQ) for `genesys-prompt worker`s')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option('--wait', 'with --queue: follow the run to its end and write the results file')
    .addCommand(batchStatusCommand(setExitCode));
  return command.action(async (jobsPath: string, flags: BatchFlags) => {
    checkInputFile('jobs', jobsPath);
    checkOutputFile('--out', flags.out ?? defaultResultsPath(jobsPath), 'results.jsonl');
    checkInjectorFiles(flags);
    if (flags.queue !== undefined) {
      const { runQueuedBatch } = await import('./batch-queue-mode.js');
      return runQueuedBatch(jobsPath, { ...flags, queue: flags.queue }, setExitCode);
    }
    const { runBatch } = await import('./batch-action.js');
    setExitCode(await runBatch(jobsPath, flags));
  });
}

/** Builds `batch status`. */
function batchStatusCommand(setExitCode: (code: number) => void): Command {
  return new Command('status')
    .description('where the jobs of a queued run stand (with --queue)')
    .argument('<jobs>', 'the jobs file of the run')
    .option('--queue <redis-url>', 'the Redis of the queue')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option('--out <file>', "the run's results file (default <jobs>.results.jsonl)")
    .action(async (jobsPath: string, _flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<BatchFlags>();
      checkInputFile('jobs', jobsPath);
      const { runBatchStatus } = await import('./batch-queue-mode.js');
      setExitCode(await runBatchStatus(jobsPath, flags));
    });
}
