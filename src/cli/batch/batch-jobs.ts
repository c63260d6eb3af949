/**
 * The jobs file of `genesys-prompt batch`: one JSON object per line (template, variables, assistant,
 * an optional id). Every line is checked before anything is sent, and two jobs with one `id` are
 * rejected with both lines named: an id must say which job it is.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import { UsageError } from '../cli-error.js';

const JobSchema = z.strictObject({
  template: z.string().min(1),
  variables: z.record(z.string(), z.string()).optional(),
  assistant: z.string().min(1).optional(),
  examples: z.string().min(1).optional(),
  /** The response backend of this job (`guides` talks to an AI Studio guide). */
  backend: z.string().min(1).optional(),
  /** With `backend: "guides"`: the guide id or name (default: the template's guide name). */
  guide: z.string().min(1).optional(),
  /** Your own job id: it names the job in the results file and keeps its key when lines move. */
  id: z.string().min(1).optional(),
});

/** One job of the file. */
export interface BatchJob {
  /** 1-based line in the jobs file. */
  line: number;
  /** The job's own id, when the line gives one. */
  id: string | undefined;
  templatePath: string;
  /** `examples` of the line; otherwise the template's `fewShot.examples` applies. */
  examplesPath: string | undefined;
  variables: Record<string, string>;
  assistantId: string;
  /** The job's `backend`, when it names one. */
  backend?: string | undefined;
  /** The job's `guide` (id or name), when it names one. */
  guide?: string | undefined;
}

/**
 * Reads and checks every line of a jobs file. Blank lines and lines starting with `#` are skipped.
 * Template and examples paths are relative to the jobs file.
 * @throws UsageError naming the file, line and field (both lines for a repeated id)
 */
export async function readBatchJobs(path: string): Promise<BatchJob[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      'jobs',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'pass an existing .jsonl file',
      { file: path },
    );
  }
  const base = dirname(path);
  const lineOfId = new Map<string, number>();
  const jobs: BatchJob[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      throw new UsageError(`line ${line}`, 'is not valid JSON', 'write one JSON object per line', {
        file: path,
      });
    }
    const parsed = JobSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.length > 0 ? issue.path.join('.') : 'job';
      throw new UsageError(
        `line ${line}: ${field}`,
        issue.message,
        'each line needs {"template": "file.yaml", "variables": {...}, "assistant": "id"}',
        { file: path },
      );
    }
    const job = parsed.data;
    if (job.id !== undefined) {
      const first = lineOfId.get(job.id);
      if (first !== undefined) {
        throw new UsageError(
          `line ${line}: id`,
          `${JSON.stringify(job.id)} is also the id of line ${first}`,
          `give each job its own id (lines ${first} and ${line} share one)`,
          { file: path, code: 'duplicate.job.id' },
        );
      }
      lineOfId.set(job.id, line);
    }
    jobs.push({
      line,
      id: job.id,
      templatePath: resolve(base, job.template),
      examplesPath: job.examples === undefined ? undefined : resolve(base, job.examples),
      variables: job.variables ?? {},
      assistantId: job.assistant ?? SEED_ASSISTANT_ID,
      backend: job.backend,
      guide: job.guide,
    });
  }
  return jobs;
}
