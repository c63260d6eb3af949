/** Errors of the distributed batch's queue. */
import { GenesysPromptError } from '../errors.js';

/** Jobs of a run that was being followed are no longer in the queue (removed, or Redis lost them). */
export class QueuedJobsMissingError extends GenesysPromptError {
  /** How many jobs are missing. */
  readonly missing: number;
  /** @param missing how many jobs of the run are gone */
  constructor(missing: number) {
    super(
      `${missing} jobs of the run are no longer in the queue (removed, or Redis restarted without keeping its data); ` +
        'enqueue the run again with the same results file: finished jobs are skipped and the rest keep their idempotency keys',
      { code: 'queue.jobs.missing' },
    );
    this.missing = missing;
  }
}
