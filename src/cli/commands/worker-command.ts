/**
 * `genesys-prompt worker --queue redis://…`: takes batch jobs from the BullMQ queue, `--concurrency`
 * at a time, on any number of processes and hosts, all paced by one shared budget (the store named by
 * `--rate-limit-store`, `GENESYS_RATE_LIMIT_REDIS`, or else the queue's own Redis). The flags are
 * checked here; the work is in worker-action.ts, loaded only when the command runs.
 */
import { Command } from 'commander';
import { MAX_TIMER_MS, oneOf, wholeNumber } from '../flag-values.js';
import { addInjectorFlags, addRpmFlag, checkInjectorFiles, type InjectorFlags } from '../injector-flags.js';

/** Budget scopes, as `--rate-limit-scope` spells them. */
const SCOPES = ['client', 'organization', 'token'] as const;

/** Parsed flags of `worker`. */
export interface WorkerFlags extends InjectorFlags {
  queue: string;
  queueName?: string;
  concurrency: number;
  rpm: number;
  lockDuration: number;
  rateLimitStore?: string;
  rateLimitScope: (typeof SCOPES)[number];
  rateLimitOrganization?: string;
}

/** Builds the `worker` command. */
export function workerCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('worker')
    .description('process queued batch jobs (from `batch --queue`) until Ctrl-C')
    .requiredOption('--queue <redis-url>', 'the Redis of the queue')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option(
      '--concurrency <n>',
      'injections in flight in this worker',
      wholeNumber('--concurrency', { min: 1, max: 1000, example: 8 }),
      8,
    )
    .option(
      '--rate-limit-store <redis-url>',
      'where the shared budget lives (default GENESYS_RATE_LIMIT_REDIS, else the queue)',
    )
    .option(
      '--rate-limit-scope <scope>',
      'budget per client, organization or token',
      oneOf('--rate-limit-scope', SCOPES),
      'client',
    )
    .option('--rate-limit-organization <name>', 'the organisation, with --rate-limit-scope organization')
    .option(
      '--lock-duration <ms>',
      'how long a job stays with a worker that stopped answering before another takes it',
      wholeNumber('--lock-duration', { min: 100, max: MAX_TIMER_MS, example: 30_000 }),
      30_000,
    );
  addRpmFlag(command, 300);
  addInjectorFlags(command);
  return command.action(async (flags: WorkerFlags) => {
    checkInjectorFiles(flags);
    const { runWorker } = await import('./worker-action.js');
    setExitCode(await runWorker(flags));
  });
}
