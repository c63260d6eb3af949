/** Where a batch writes its results when `--out` is not given. */

/** The results file of a jobs file: `jobs.jsonl` → `jobs.results.jsonl`. */
export function defaultResultsPath(jobsPath: string): string {
  return jobsPath.replace(/(\.jsonl?)?$/, '.results.jsonl');
}
