/**
 * Runs `count` tasks with at most `concurrency` in flight and records each task's duration.
 */

/** Outcome of `runPool`. */
export interface PoolResult<T> {
  /** Each task's value, or its error, by index. */
  outcomes: Array<{ ok: true; value: T } | { ok: false; error: unknown }>;
  /** Each task's duration in ms, by index. */
  durationsMs: number[];
  /** Wall-clock ms from the first start to the last end. */
  elapsedMs: number;
}

/**
 * Runs `task(0..count-1)`, `concurrency` at a time, in index order.
 * @param count how many tasks
 * @param concurrency how many at once
 * @param task the work of one index
 */
export async function runPool<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<PoolResult<T>> {
  const outcomes: PoolResult<T>['outcomes'] = new Array(count);
  const durationsMs = new Array<number>(count).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const started = performance.now();
      try {
        outcomes[index] = { ok: true, value: await task(index) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
      durationsMs[index] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { outcomes, durationsMs, elapsedMs: performance.now() - started };
}

/** Mean of a list (0 when empty). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The median of a list: the middle value, or the mean of the two middle ones (0 when empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The q-quantile (0..1) of a list, nearest rank (0 when empty). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
