/**
 * `genesys-prompt worker --queue redis://…`: takes batch jobs from the BullMQ queue, `--concurrency`
 * at a time, on any number of processes and hosts, all paced by one shared budget (the store named by
 * `--rate-limit-store`, `GENESYS_RATE_LIMIT_REDIS`, or else the queue's own Redis). The first Ctrl-C
 * (or SIGTERM) finishes the jobs in flight and leaves the rest queued; a second aborts those in
 * flight, which go back to the queue.
 */
import { Command } from 'commander';
import type { RateLimitScope } from '../../fleet/pacing-scope.js';
import type { GenesysPromptInjector } from '../../injector.js';
import { INTERRUPTED } from '../exit-codes.js';
import { addInjectorFlags, createInjector, integerFlag, type InjectorFlags } from '../injector-flags.js';
import { resolveTarget } from '../target.js';
import { queueAddress } from './batch-queue-mode.js';

interface WorkerFlags extends InjectorFlags {
  queue: string;
  queueName?: string;
  concurrency: number;
  rpm: number;
  lockDuration: number;
  rateLimitStore?: string;
  rateLimitScope: string;
  rateLimitOrganization?: string;
}

/** Builds the `worker` command. */
export function workerCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('worker')
    .description('process queued batch jobs (from `batch --queue`) until Ctrl-C')
    .requiredOption('--queue <redis-url>', 'the Redis of the queue')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option('--concurrency <n>', 'injections in flight in this worker', integerFlag, 8)
    .option(
      '--rpm <n>',
      'API requests per minute of the OAuth client, shared by every worker',
      integerFlag,
      300,
    )
    .option(
      '--rate-limit-store <redis-url>',
      'where the shared budget lives (default GENESYS_RATE_LIMIT_REDIS, else the queue)',
    )
    .option('--rate-limit-scope <scope>', 'budget per client, organization or token', 'client')
    .option('--rate-limit-organization <name>', 'the organisation, with --rate-limit-scope organization')
    .option(
      '--lock-duration <ms>',
      'how long a job stays with a worker that stopped answering before another takes it',
      integerFlag,
      30_000,
    );
  addInjectorFlags(command);
  return command.action(async (flags: WorkerFlags) => {
    const address = queueAddress(flags.queue);
    const rateLimitStore = flags.rateLimitStore ?? (process.env.GENESYS_RATE_LIMIT_REDIS || flags.queue);
    const target = await resolveTarget((line) => process.stderr.write(`${line}\n`));
    let injector: GenesysPromptInjector | undefined;
    try {
      injector = createInjector(target, flags, {
        requestsPerMinute: flags.rpm,
        rateLimitStore,
        rateLimitScope: flags.rateLimitScope as RateLimitScope,
        ...(flags.rateLimitOrganization === undefined
          ? {}
          : { rateLimitOrganization: flags.rateLimitOrganization }),
      });
      await injector.initialize();
      const { BatchWorker } = await import('../../fleet/batch-worker.js');
      const { runQueuedInjection } = await import('../../fleet/run-queued-injection.js');
      const ready = injector;
      const worker = new BatchWorker({
        address,
        ...(flags.queueName === undefined ? {} : { name: flags.queueName }),
        concurrency: Math.max(1, flags.concurrency),
        lockDurationMs: Math.max(100, flags.lockDuration),
        run: (injection, signal) => runQueuedInjection(ready, injection, signal),
      });
      await worker.waitUntilReady();
      process.stderr.write(
        `worker: taking jobs from ${flags.queueName ?? 'genesys-prompt-batch'} at ${address.label}, ` +
          `${flags.concurrency} at a time (Ctrl-C finishes those in flight and stops)\n`,
      );
      let stopping = false;
      const stopped = new Promise<void>((resolveStopped) => {
        const onSignal = (): void => {
          if (!stopping) {
            stopping = true;
            process.stderr.write(
              '\nworker: finishing the jobs in flight; the rest stay queued (Ctrl-C again to abort them)\n',
            );
            void worker.stop().then(() => {
              process.removeListener('SIGINT', onSignal);
              process.removeListener('SIGTERM', onSignal);
              resolveStopped();
            });
          } else worker.abortInFlight();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await stopped;
      const { succeeded, failed } = worker.finished;
      process.stderr.write(`worker: stopped after ${succeeded + failed} jobs (${failed} failed)\n`);
      setExitCode(INTERRUPTED);
    } finally {
      await injector?.close();
      await target.close();
    }
  });
}
