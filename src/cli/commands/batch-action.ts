/**
 * What `genesys-prompt batch` does: many injections, paced to the rate limit, with a progress display;
 * resumable through the results file (see batch-journal.ts and job-key.ts). The first Ctrl-C stops
 * launching and drains in-flight work, a second one aborts it (aborted jobs are not journaled, so a
 * rerun does them). The summary says how many jobs are done, failed and not run.
 */
import { AbortError, GenesysPromptError, StreamError } from '../../errors.js';
import type { GenesysPromptInjector } from '../../injector.js';
import { readBatchJobs } from '../batch/batch-jobs.js';
import { BatchJournal, type BatchRecord } from '../batch/batch-journal.js';
import { createBatchProgress, type BatchProgress } from '../batch/batch-progress.js';
import { planBatch, type PlannedJob } from '../batch/batch-plan.js';
import { jobKeys } from '../batch/job-key.js';
import { reportNote } from '../cli-error.js';
import { createInjector } from '../create-injector.js';
import { ExitCode, INTERRUPTED, exitCodeFor } from '../exit-codes.js';
import { resolveTarget } from '../target.js';
import { safeJson, writeText } from '../terminal-text.js';
import { defaultResultsPath } from '../batch/results-path.js';
import type { BatchFlags } from './batch-command.js';
import { GUIDES_BACKEND, GuideTargets } from './guide-targets.js';

/** What the batch summary reports. */
export interface BatchSummary {
  jobs: number;
  /** Succeeded, in this run or an earlier one of the same results file. */
  done: number;
  /** Of `done`, those that had succeeded before this run. */
  alreadyDone: number;
  failed: number;
  notRun: number;
  interrupted: boolean;
  results: string;
  exitCode: number;
}

/** Runs one job; never throws (a failure is a record). */
async function runJob(
  injector: GenesysPromptInjector,
  planned: PlannedJob,
  key: string,
  signal: AbortSignal,
  guides: GuideTargets,
): Promise<{ record: BatchRecord; error?: unknown }> {
  const { job } = planned;
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const base = {
    key,
    line: job.line,
    ...(job.id === undefined ? {} : { id: job.id }),
    requestHash: planned.requestHash,
    startedAt,
  };
  try {
    const toGuide = job.backend === GUIDES_BACKEND;
    const target = toGuide
      ? await guides.idFor(job.guide, planned.template, planned.examples, signal)
      : job.assistantId;
    const result = await injector.injectPrompt(target, planned.template, planned.examples, {
      ...(job.backend === undefined ? {} : { backend: job.backend }),
      variables: job.variables,
      idempotencyKey: key,
      signal,
    });
    const record: BatchRecord = {
      ...base,
      durationMs: Math.round(performance.now() - started),
      ...(result.timeToFirstChunkMs === undefined
        ? {}
        : { firstChunkMs: Math.round(result.timeToFirstChunkMs) }),
      retries: result.retries,
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
    // A stream failure happens after the conversation exists: keep its id beside the error.
    const conversationId = error instanceof StreamError ? error.conversationId : undefined;
    return {
      record: {
        ...base,
        durationMs: Math.round(performance.now() - started),
        status: 'failed',
        ...(conversationId === undefined ? {} : { conversationId }),
        error: { name: e.name, code, message: e.message },
      },
      error,
    };
  }
}

/** The summary line. */
export function summaryText(s: BatchSummary): string {
  const earlier = s.alreadyDone > 0 ? ` (${s.alreadyDone} in an earlier run)` : '';
  const head = s.interrupted ? 'batch interrupted' : 'batch';
  return `${head}: ${s.jobs} jobs: ${s.done} done${earlier}, ${s.failed} failed, ${s.notRun} not run; results in ${s.results}`;
}

/** A display that shows nothing (`--json`: stdout carries the summary, stderr only errors). */
const NO_PROGRESS: BatchProgress = { tick: () => undefined, stop: () => undefined };

/** Runs the jobs file and resolves with the exit code. */
export async function runBatch(jobsPath: string, flags: BatchFlags): Promise<number> {
  const json = flags.json === true;
  const jobs = await readBatchJobs(jobsPath);
  const plan = await planBatch(jobsPath, jobs, { tokenizer: flags.tokenizer, json });
  const outPath = flags.out ?? defaultResultsPath(jobsPath);
  const journal = await BatchJournal.open(outPath, flags.out === undefined ? 'results file' : '--out');
  const keys = jobKeys(
    journal.runId,
    jobs,
    plan.map((p) => p.requestHash),
  );
  const pending = jobs.map((_, i) => i).filter((i) => !journal.succeeded(keys[i]!));
  const alreadyDone = jobs.length - pending.length;
  let done = alreadyDone;
  let failed = 0;
  let firstFailure: number | undefined;
  const stopLaunching = new AbortController();
  const finish = (): number => {
    const interrupted = stopLaunching.signal.aborted;
    const exitCode = interrupted ? INTERRUPTED : failed > 0 ? (firstFailure ?? ExitCode.other) : ExitCode.ok;
    const summary: BatchSummary = {
      jobs: jobs.length,
      done,
      alreadyDone,
      failed,
      notRun: jobs.length - done - failed,
      interrupted,
      results: outPath,
      exitCode,
    };
    if (json) process.stdout.write(`${safeJson(summary)}\n`);
    else writeText(process.stderr, `${summaryText(summary)}\n`);
    return exitCode;
  };
  if (pending.length === 0) {
    await journal.close();
    return finish();
  }
  const target = await resolveTarget((line) => reportNote('notice', line, 'built-in.emulator', json));
  const abortInFlight = new AbortController();
  const onSigint = (): void => {
    if (!stopLaunching.signal.aborted) {
      if (!json)
        process.stderr.write('\nstopping: finishing the injections in flight (Ctrl-C again to abort them)\n');
      stopLaunching.abort();
    } else abortInFlight.abort();
  };
  process.on('SIGINT', onSigint);
  let injector: GenesysPromptInjector | undefined;
  const progress = json
    ? NO_PROGRESS
    : createBatchProgress(process.stderr, jobs.length, alreadyDone, { intervalMs: flags.progressInterval });
  try {
    injector = createInjector(target, flags);
    await injector.initialize();
    const note = (line: string): void => reportNote('notice', line, 'guide.deployed', json);
    const guides = new GuideTargets(injector, target.emulator !== undefined, note);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!stopLaunching.signal.aborted && next < pending.length) {
        const index = pending[next++]!;
        const { record, error } = await runJob(
          injector!,
          plan[index]!,
          keys[index]!,
          abortInFlight.signal,
          guides,
        );
        if (error instanceof AbortError) continue; // not journaled: a rerun does it
        await journal.append(record);
        if (record.status === 'failed') {
          failed++;
          firstFailure ??= exitCodeFor(error);
        } else done++;
        progress.tick(record.status === 'failed');
      }
    };
    await Promise.all(Array.from({ length: flags.concurrency }, worker));
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
    await injector?.close();
    await target.close();
    await journal.close();
  }
  return finish();
}
