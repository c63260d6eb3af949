/**
 * One line of the benchmark table and its markdown rendering, shared by every row file and `run.ts`.
 */

/** One line of the table `npm run bench` prints. */
export interface BenchRow {
  /** What is measured. */
  row: string;
  /** Our figure, with its unit. */
  ours: string;
  /** The peer's (or the ideal) figure, with its unit. */
  peer: string;
  /** ours against peer, in the direction the goal reads (e.g. `2.4x`, `1.03`). */
  ratio: string;
  /** The goal, or `report` when the brief sets none. */
  goal: string;
  /** `yes`, `NO`, or `-` when there is no goal. */
  met: string;
}

/** `yes` / `NO` for a goal, `-` when there is none. */
export function metCell(met: boolean | undefined): string {
  if (met === undefined) return '-';
  return met ? 'yes' : 'NO';
}

/** Thousands separators, fixed decimals. */
export function num(value: number, decimals = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A markdown table of the rows, each cell escaped for `|`. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = [
    '| row | ours | peer / ideal | ratio | goal | met? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.row, r.ours, r.peer, r.ratio, r.goal, r.met].map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}
