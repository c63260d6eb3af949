/**
 * The idempotency key of a batch job. It derives from three things, so that a key means one request
 * of one run:
 * - the run id, kept in the results file: a new results file is a new run, with new conversations;
 * - the job: its `id`, or for a job without one, which occurrence it is of identical requests (two
 *   identical lines are two jobs; inserting a line elsewhere moves no key);
 * - a hash of everything that shapes the request: the template file's bytes, the examples file's
 *   bytes, the variables, the assistant and the request options. An edited job is a new request and is
 *   sent anew; an unchanged one, on resume, reuses its key and is never sent twice.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../observe/canonical-json.js';
import type { BatchJob } from './batch-jobs.js';

/** Everything that shapes one job's request. */
export interface RequestShape {
  /** SHA-256 of the template file's bytes. */
  template: string;
  /** SHA-256 of the examples file's bytes, or null without one. */
  examples: string | null;
  variables: Record<string, string>;
  assistantId: string;
  /** Options that change what is sent (tokenizer: how the budget trims; answer cut-off). */
  options: Record<string, string | number | boolean>;
}

/** SHA-256 hex of `bytes`. */
export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash of a request's shape (hex SHA-256 of its canonical JSON). */
export function requestHash(shape: RequestShape): string {
  return sha256(canonicalJson(shape));
}

/** A UUID-shaped key (version nibble 5, RFC 4122 variant) from a SHA-256 of `text`: stable across runs. */
export function derivedKey(text: string): string {
  const hex = sha256(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The key of each job, in order.
 * @param runId the run's id, from the results file
 * @param jobs the jobs file's jobs
 * @param hashes `requestHash` of each job, in the same order
 */
export function jobKeys(runId: string, jobs: readonly BatchJob[], hashes: readonly string[]): string[] {
  const occurrences = new Map<string, number>();
  return jobs.map((job, i) => {
    const hash = hashes[i]!;
    if (job.id !== undefined) return derivedKey(canonicalJson({ run: runId, id: job.id, request: hash }));
    const occurrence = (occurrences.get(hash) ?? 0) + 1;
    occurrences.set(hash, occurrence);
    return derivedKey(canonicalJson({ run: runId, occurrence, request: hash }));
  });
}
