/**
 * What a batch will send, worked out before anything is sent: each job's template and examples
 * (each file loaded once), its variables checked against the template, and the hash of everything that
 * shapes its request. Shared by the in-process run and the queued (BullMQ) run.
 */
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../../errors.js';
import { guideInputVariables } from '../../guides/guide-input-variables.js';
import { resolveFewShotPath } from '../../prompt/load-template.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import type { TokenizerName } from '../../prompt/tokens.js';
import { reportNote, UsageError } from '../cli-error.js';
import { BACKENDS } from '../injector-flags.js';
import { loadPromptInputs, unknownVariableWarnings, type PromptInputs } from '../prompt-inputs.js';
import type { BatchJob } from './batch-jobs.js';
import { requestHash, sha256 } from './job-key.js';

/** One job, ready to send. */
export interface PlannedJob extends PromptInputs {
  job: BatchJob;
  /** `requestHash` of the job (see job-key.ts). */
  requestHash: string;
}

/** How the plan is made. */
export interface PlanOptions {
  tokenizer: TokenizerName;
  /** Warnings as JSON lines on stderr. */
  json: boolean;
}

const fileHash = async (path: string): Promise<string> => sha256(await readFile(path));

/**
 * Plans every job: loads every distinct template and examples file once, warns once per unknown
 * variable name, and checks each job's variables by preparing its prompt.
 * @throws UsageError naming the jobs file and the line of the first job that cannot be sent
 */
export async function planBatch(
  jobsPath: string,
  jobs: readonly BatchJob[],
  options: PlanOptions,
): Promise<PlannedJob[]> {
  const byFiles = new Map<
    string,
    { inputs: PromptInputs; templateHash: string; examplesHash: string | null }
  >();
  const warned = new Set<string>();
  const plan: PlannedJob[] = [];
  for (const job of jobs) {
    const id = `${job.templatePath}\0${job.examplesPath ?? ''}`;
    let files = byFiles.get(id);
    if (files === undefined) {
      const inputs = await loadPromptInputs(job.templatePath, job.examplesPath);
      const examplesPath = job.examplesPath ?? resolveFewShotPath(job.templatePath, inputs.template);
      files = {
        inputs,
        templateHash: await fileHash(job.templatePath),
        examplesHash: examplesPath === undefined ? null : await fileHash(examplesPath),
      };
      byFiles.set(id, files);
    }
    const { inputs } = files;
    const unknown = unknownVariableWarnings(
      job.templatePath,
      inputs.template,
      Object.keys(job.variables),
      `${jobsPath}: line ${job.line}: variable`,
    );
    for (const warning of unknown) {
      const once = warning.replace(/ line \d+:/, '');
      if (warned.has(once)) continue;
      warned.add(once);
      reportNote('warning', warning, 'unknown.variable', options.json);
    }
    if (job.backend !== undefined && !(BACKENDS as readonly string[]).includes(job.backend)) {
      throw new UsageError(
        `line ${job.line}: backend`,
        `"${job.backend}" is not a backend`,
        `use one of ${BACKENDS.join(', ')}`,
        {
          file: jobsPath,
        },
      );
    }
    try {
      preparePrompt(inputs.template, job.assistantId, inputs.examples, {
        variables: job.variables,
        tokenizer: options.tokenizer,
      });
      if (job.backend === 'guides') guideInputVariables(inputs.template, job.variables);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new UsageError(`line ${job.line}`, error.message, 'fix the job or its template', {
        file: jobsPath,
        code: error.code,
      });
    }
    plan.push({
      job,
      template: inputs.template,
      examples: inputs.examples,
      requestHash: requestHash({
        template: files.templateHash,
        examples: files.examplesHash,
        variables: job.variables,
        assistantId: job.assistantId,
        options: {
          tokenizer: options.tokenizer,
          ...(job.backend === undefined ? {} : { backend: job.backend }),
          ...(job.guide === undefined ? {} : { guide: job.guide }),
        },
      }),
    });
  }
  return plan;
}
