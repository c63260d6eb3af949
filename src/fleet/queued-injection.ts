/**
 * What one queued batch job carries: its identity in the run (the idempotency key every worker sends,
 * the line it came from) and everything its injection needs, the template and examples included, so
 * a worker on another host needs none of the producer's files. A worker checks it like any input.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { FewShotExampleSchema, type FewShotExample } from '../prompt/few-shot.js';
import { validatePromptSchema, type PromptTemplate } from '../prompt/template.js';

/** Longest job payload a worker accepts (bytes of JSON); a template and examples fit well within. */
export const MAX_QUEUED_JOB_BYTES = 4 * 1024 * 1024;

/** One injection of a queued run. */
export interface QueuedInjection {
  /** The run it belongs to. */
  runId: string;
  /** Idempotency key of the create call: the same for every worker that takes the job. */
  key: string;
  /** 1-based line of the jobs file. */
  line: number;
  /** The job's own id, when the jobs file gave one. */
  id?: string | undefined;
  assistantId: string;
  variables: Record<string, string>;
  template: PromptTemplate;
  examples: FewShotExample[];
}

const QueuedInjectionSchema = z.strictObject({
  runId: z.string().min(1).max(200),
  key: z.string().min(1).max(200),
  line: z.number().int().positive(),
  id: z.string().min(1).optional(),
  assistantId: z.string().min(1).max(200),
  variables: z.record(z.string(), z.string()),
  template: z.unknown(),
  examples: z.array(FewShotExampleSchema),
});

/**
 * The queue's id of a job: the run and the idempotency key, so adding the same run twice adds nothing
 * (BullMQ ignores an id it already holds). BullMQ reserves `:` in custom ids.
 * @param runId the run
 * @param key the job's idempotency key
 */
export function queueJobId(runId: string, key: string): string {
  return `${runId}.${key}`.replaceAll(':', '_');
}

/**
 * Checks a job payload read from the queue.
 * @param data the job's data
 * @throws ValidationError naming the field
 */
export function parseQueuedInjection(data: unknown): QueuedInjection {
  const size = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (size > MAX_QUEUED_JOB_BYTES) {
    throw new ValidationError(
      'job',
      `is ${size} bytes, more than MAX_QUEUED_JOB_BYTES (${MAX_QUEUED_JOB_BYTES})`,
      'enqueue smaller templates and examples',
    );
  }
  const parsed = QueuedInjectionSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(
      `job.${issue.path.join('.') || 'data'}`,
      issue.message,
      'enqueue the job again with this version',
    );
  }
  const { template, ...rest } = parsed.data;
  return { ...rest, template: validatePromptSchema(template, { file: 'queued job' }) };
}
