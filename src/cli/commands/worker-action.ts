/**
 * What `genesys-prompt worker` does: takes batch jobs from the BullMQ queue until Ctrl-C or SIGTERM.
 * The first signal finishes the jobs in flight and leaves the rest queued; a second aborts those in
 * flight, which go back to the queue.
 */
import type { GenesysPromptInjector } from '../../injector.js';
import { createInjector } from '../create-injector.js';
import { INTERRUPTED } from '../exit-codes.js';
import { resolveTarget } from '../target.js';
import { writeText } from '../terminal-text.js';
import { queueAddress } from './batch-queue-mode.js';
import type { WorkerFlags } from './worker-command.js';

/** Runs the worker until stopped; resolves with the exit code (130: stopped by a signal). */
export async function runWorker(flags: WorkerFlags): Promise<number> {
  const address = queueAddress(flags.queue);
  const rateLimitStore = flags.rateLimitStore ?? (process.env.GENESYS_RATE_LIMIT_REDIS || flags.queue);
  const target = await resolveTarget((line) => writeText(process.stderr, `${line}\n`));
  let injector: GenesysPromptInjector | undefined;
  try {
    injector = createInjector(target, flags, {
      requestsPerMinute: flags.rpm,
      rateLimitStore,
      rateLimitScope: flags.rateLimitScope,
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
    return INTERRUPTED;
  } finally {
    await injector?.close();
    await target.close();
  }
}
