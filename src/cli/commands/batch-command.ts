/**
 * `genesys-prompt batch <jobs.jsonl>`: many injections, paced to the rate limit, with a progress bar;
 * resumable through the results file (see batch-journal.ts); the first Ctrl-C drains in-flight work,
 * a second one aborts it (aborted jobs are not journaled, so a rerun does them).
 */
import { Command } from 'commander';
import { AbortError, GenesysPromptError, ValidationError } from '../../errors.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import { UsageError } from '../cli-error.js';
import type { GenesysPromptInjector } from '../../injector.js';
import { readBatchJobs, type BatchJob } from '../batch/batch-jobs.js';
import { BatchJournal, type BatchRecord } from '../batch/batch-journal.js';
import { createBatchProgress } from '../batch/batch-progress.js';
import { ExitCode, INTERRUPTED, exitCodeFor } from '../exit-codes.js';
import { addInjectorFlags, createInjector, integerFlag, type InjectorFlags } from '../injector-flags.js';
import { loadPromptInputs, type PromptInputs } from '../prompt-inputs.js';
import { resolveTarget } from '../target.js';
import { batchStatusCommand, runQueuedBatch, type QueueFlags } from './batch-queue-mode.js';

interface BatchFlags extends InjectorFlags, QueueFlags {
  concurrency: number;
  rpm: number;
  out?: string;
  progressInterval: number;
}

/** The key of a job's template and examples files, each loaded once. */
export const inputsId = (job: BatchJob): string => `${job.templatePath}\0${job.examplesPath ?? ''}`;

/**
 * Loads every distinct template once and checks every job's variables, before anything is sent.
 * @throws UsageError naming the jobs file and line of the first bad job
 */
export async function loadAll(jobsPath: string, jobs: BatchJob[]): Promise<Map<string, PromptInputs>> {
  const inputs = new Map<string, PromptInputs>();
  for (const job of jobs) {
    const id = inputsId(job);
    if (!inputs.has(id)) inputs.set(id, await loadPromptInputs(job.templatePath, job.examplesPath));
    const { template, examples } = inputs.get(id)!;
    try {
      preparePrompt(template, job.assistantId, examples, { variables: job.variables });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new UsageError(`line ${job.line}`, error.message, 'fix the job or its template', {
        file: jobsPath,
      });
    }
  }
  return inputs;
}

async function runJob(
  injector: GenesysPromptInjector,
  job: BatchJob,
  inputs: PromptInputs,
  signal: AbortSignal,
): Promise<{ record: BatchRecord; error?: unknown }> {
  const base = { key: job.key, line: job.line, ...(job.id === undefined ? {} : { id: job.id }) };
  try {
    const result = await injector.injectPrompt(job.assistantId, inputs.template, inputs.examples, {
      variables: job.variables,
      idempotencyKey: job.key,
      signal,
    });
    const record: BatchRecord = {
      ...base,
      status: 'ok',
      conversationId: result.conversationId,
      response: result.response,
      finishReason: result.finishReason,
      truncated: result.truncated,
      usage: result.usage,
    };
    return { record };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const code = error instanceof GenesysPromptError ? error.code : 'internal.error';
    return {
      record: { ...base, status: 'failed', error: { name: e.name, code, message: e.message } },
      error,
    };
  }
}

/** Builds the `batch` command. */
export function batchCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('batch')
    .description('run one injection per line of a JSON-lines jobs file; resumable')
    .argument('<jobs>', 'jobs file: {"template": "...", "variables": {...}, "assistant": "..."} per line')
    .option('--concurrency <n>', 'injections in flight', integerFlag, 8)
    .option('--rpm <n>', 'API requests per minute for this OAuth client (0: no pacing)', integerFlag, 300)
    .option('--out <file>', 'results and journal, JSON lines (default <jobs>.results.jsonl)')
    .option(
      '--progress-interval <ms>',
      'ms between progress lines when not on a terminal',
      integerFlag,
      2000,
    );
  addInjectorFlags(command);
  command
    .option('--queue <redis-url>', 'enqueue the run on this Redis (BullMQ) for `genesys-prompt worker`s')
    .option('--queue-name <name>', 'BullMQ queue name (default genesys-prompt-batch)')
    .option('--wait', 'with --queue: follow the run to its end and write the results file')
    .addCommand(batchStatusCommand(setExitCode));
  return command.action(async (jobsPath: string, flags: BatchFlags) => {
    if (flags.queue !== undefined)
      return runQueuedBatch(jobsPath, { ...flags, queue: flags.queue }, setExitCode);
    const jobs = await readBatchJobs(jobsPath);
    const inputs = await loadAll(jobsPath, jobs);
    const outPath = flags.out ?? jobsPath.replace(/(\.jsonl?)?$/, '.results.jsonl');
    const journal = await BatchJournal.open(outPath);
    const pending = jobs.filter((job) => !journal.succeeded(job.key));
    if (pending.length === 0) {
      await journal.close();
      process.stderr.write(
        `batch: ${jobs.length} jobs, ${jobs.length} already done; results in ${outPath}\n`,
      );
      setExitCode(ExitCode.ok);
      return;
    }
    const target = await resolveTarget((line) => process.stderr.write(`${line}\n`));
    const stopLaunching = new AbortController();
    const abortInFlight = new AbortController();
    const onSigint = (): void => {
      if (!stopLaunching.signal.aborted) {
        process.stderr.write('\nstopping: finishing the injections in flight (Ctrl-C again to abort them)\n');
        stopLaunching.abort();
      } else abortInFlight.abort();
    };
    process.on('SIGINT', onSigint);
    let injector: GenesysPromptInjector | undefined;
    let firstFailure: number | undefined;
    let failures = 0;
    const progress = createBatchProgress(process.stderr, jobs.length, jobs.length - pending.length, {
      intervalMs: flags.progressInterval,
    });
    try {
      injector = createInjector(target, flags, { requestsPerMinute: flags.rpm });
      await injector.initialize();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (!stopLaunching.signal.aborted && next < pending.length) {
          const job = pending[next++]!;
          const templateInputs = inputs.get(inputsId(job))!;
          const { record, error } = await runJob(injector!, job, templateInputs, abortInFlight.signal);
          if (error instanceof AbortError) continue; // not journaled: a rerun does it
          await journal.append(record);
          if (record.status === 'failed') {
            failures++;
            firstFailure ??= exitCodeFor(error);
          }
          progress.tick(record.status === 'failed');
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, flags.concurrency) }, worker));
    } finally {
      progress.stop();
      process.removeListener('SIGINT', onSigint);
      await injector?.close();
      await target.close();
      await journal.close();
    }
    const skipped = jobs.length - pending.length;
    process.stderr.write(
      `batch: ${jobs.length} jobs, ${skipped} already done, ${failures} failed; results in ${outPath}\n`,
    );
    if (stopLaunching.signal.aborted) setExitCode(INTERRUPTED);
    else setExitCode(failures > 0 ? (firstFailure ?? ExitCode.other) : ExitCode.ok);
  });
}
