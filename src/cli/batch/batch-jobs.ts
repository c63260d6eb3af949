/**
 * The jobs file of `genesys-prompt batch`: one JSON object per line (template, variables, assistant).
 * Every line is checked before anything is sent, and each job gets an idempotency key derived from its
 * content, so a rerun sends the same key and Genesys answers with the same conversation.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import { canonicalJson } from '../../observe/canonical-json.js';
import { UsageError } from '../cli-error.js';

const JobSchema = z.strictObject({
  template: z.string().min(1),
  variables: z.record(z.string(), z.string()).optional(),
  assistant: z.string().min(1).optional(),
  examples: z.string().min(1).optional(),
  /** Your own job id; when given, the idempotency key derives from it alone. */
  id: z.string().min(1).optional(),
});

/** One job of the file. */
export interface BatchJob {
  /** 1-based line in the jobs file. */
  line: number;
  /** Idempotency key of the job's injection (a UUID derived from the job). */
  key: string;
  templatePath: string;
  examplesPath: string | undefined;
  variables: Record<string, string>;
  assistantId: string;
  id: string | undefined;
}

/** A UUID-shaped key from a SHA-256 of `text` (stable across runs). */
export function derivedKey(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Reads and checks every line of a jobs file. Blank lines and lines starting with `#` are skipped.
 * Template and examples paths are relative to the jobs file.
 * @throws UsageError naming the file, line and field
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
  const seen = new Map<string, number>();
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
    // Identical lines are different jobs: number their occurrences so each keeps its own key.
    const identity = job.id ?? canonicalJson(job);
    const occurrence = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, occurrence);
    jobs.push({
      line,
      key: derivedKey(job.id === undefined ? `${identity}#${occurrence}` : `id:${job.id}`),
      templatePath: resolve(base, job.template),
      examplesPath: job.examples === undefined ? undefined : resolve(base, job.examples),
      variables: job.variables ?? {},
      assistantId: job.assistant ?? SEED_ASSISTANT_ID,
      id: job.id,
    });
  }
  return jobs;
}
