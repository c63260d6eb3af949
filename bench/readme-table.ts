/**
 * The README's benchmark table is the one in bench/results.md: this copies the table and the lines
 * saying which machine and commit measured it into the README, between two marker comments.
 * `npm run bench` does it after every full run; `npm run bench:readme` does it alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Opens the copied block in the README. */
export const BENCH_START =
  '<!-- bench-table: copied from bench/results.md by `npm run bench`; do not edit -->';
/** Closes it. */
export const BENCH_END = '<!-- /bench-table -->';

/**
 * The part of results.md the README shows: the table, then the Machine, Commit and Run lines.
 * @throws Error when results.md lacks one of them
 */
export function benchSection(results: string): string {
  const lines = results.split('\n');
  const first = lines.findIndex((line) => line.startsWith('| row'));
  if (first < 0) throw new Error('bench/results.md has no table; run `npm run bench`');
  let last = first;
  while (lines[last + 1]?.startsWith('|')) last++;
  const about = ['Machine: ', 'Commit: ', 'Run: '].map((prefix) => {
    const line = lines.find((l) => l.startsWith(prefix));
    if (line === undefined)
      throw new Error(`bench/results.md has no "${prefix}" line; run \`npm run bench\``);
    return line;
  });
  return [...lines.slice(first, last + 1), '', ...about].join('\n');
}

/**
 * `readme` with the block between the markers replaced by `section`.
 * @throws Error when the README lacks the markers
 */
export function withBenchSection(readme: string, section: string): string {
  const start = readme.indexOf(BENCH_START);
  const end = readme.indexOf(BENCH_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${BENCH_START} ... ${BENCH_END} markers`);
  return `${readme.slice(0, start + BENCH_START.length)}\n\n${section}\n\n${readme.slice(end)}`;
}

/** Copies the section of bench/results.md into README.md. */
export async function copyBenchTableToReadme(): Promise<void> {
  const resultsPath = fileURLToPath(new URL('./results.md', import.meta.url));
  const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
  const section = benchSection(await readFile(resultsPath, 'utf8'));
  await writeFile(readmePath, withBenchSection(await readFile(readmePath, 'utf8'), section));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await copyBenchTableToReadme();
  process.stderr.write('README.md: benchmark table copied from bench/results.md\n');
}
