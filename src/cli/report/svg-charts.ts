/**
 * The charts of the HTML report, drawn as inline SVG strings (no script, no network): a histogram, a
 * timeline of jobs, stacked bars per job and horizontal bars per category. Every mark is a
 * `<rect class="bar">` with a `<title>` tooltip; every chart is `<svg data-chart="...">`.
 */

/** Escapes text for HTML and SVG (element content and attribute values). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 40, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Chart colours (distinct for colour-blind readers too). */
export const COLOURS = {
  ok: '#2f7ed8',
  failed: '#d9534f',
  prompt: '#7cb5ec',
  completion: '#2b6a4f',
  mark: '#6b3fa0',
};

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** A round step for about `ticks` ticks over `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  return Math.max(step, Number.MIN_VALUE);
}

function svgOpen(name: string, title: string, height = HEIGHT): string {
  return `<svg data-chart="${name}" class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>`;
}

/** Axes with ticks: y from 0 to `yMax`, x from `xMin` to `xMax`. */
function axes(xMin: number, xMax: number, yMax: number, xLabel: string, yLabel: string): string {
  const parts: string[] = [];
  const x0 = MARGIN.left;
  const y0 = MARGIN.top + PLOT_H;
  parts.push(`<line class="axis" x1="${x0}" y1="${y0}" x2="${x0 + PLOT_W}" y2="${y0}"/>`);
  parts.push(`<line class="axis" x1="${x0}" y1="${MARGIN.top}" x2="${x0}" y2="${y0}"/>`);
  const yStep = niceStep(yMax, 4);
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    const y = y0 - (v / Math.max(yMax, 1e-9)) * PLOT_H;
    parts.push(`<line class="grid" x1="${x0}" y1="${y}" x2="${x0 + PLOT_W}" y2="${y}"/>`);
    parts.push(`<text class="tick" x="${x0 - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  const span = Math.max(xMax - xMin, 1e-9);
  const xStep = niceStep(span, 6);
  for (let v = Math.ceil(xMin / xStep) * xStep; v <= xMax + 1e-9; v += xStep) {
    const x = x0 + ((v - xMin) / span) * PLOT_W;
    parts.push(`<text class="tick" x="${x}" y="${y0 + 16}" text-anchor="middle">${fmt(v)}</text>`);
  }
  parts.push(
    `<text class="label" x="${x0 + PLOT_W / 2}" y="${HEIGHT - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  );
  parts.push(
    `<text class="label" transform="translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  );
  return parts.join('');
}

/** A message in place of a chart that has nothing to draw. */
function emptyChart(name: string, title: string, message: string): string {
  return `${svgOpen(name, title, 60)}<text class="label" x="${WIDTH / 2}" y="34" text-anchor="middle">${escapeHtml(message)}</text></svg>`;
}

/**
 * A histogram of `values` with vertical marks (p50, p95, p99).
 * @param unit the values' unit, for the axis label (`ms`)
 */
export function histogramSvg(
  name: string,
  title: string,
  values: readonly number[],
  marks: ReadonlyArray<{ label: string; value: number }>,
  unit: string,
): string {
  if (values.length === 0) return emptyChart(name, title, 'no values recorded');
  const min = Math.min(...values);
  const max = Math.max(...values);
  const bins = Math.min(30, Math.max(5, Math.ceil(Math.sqrt(values.length))));
  const width = Math.max((max - min) / bins, 1);
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - min) / width))]!++;
  const top = Math.max(...counts);
  const xMax = min + width * bins;
  const parts = [svgOpen(name, title), axes(min, xMax, top, unit, 'jobs')];
  const barW = PLOT_W / bins;
  counts.forEach((count, i) => {
    if (count === 0) return;
    const h = (count / top) * PLOT_H;
    const from = min + i * width;
    parts.push(
      `<rect class="bar" fill="${COLOURS.ok}" x="${MARGIN.left + i * barW + 1}" y="${MARGIN.top + PLOT_H - h}" width="${Math.max(barW - 2, 1)}" height="${h}"><title>${fmt(from)}–${fmt(from + width)} ${escapeHtml(unit)}: ${count} jobs</title></rect>`,
    );
  });
  // Marks at one value share a line and a label ("p95, p99"); a label near the right edge goes left.
  const byValue = new Map<number, string[]>();
  for (const mark of marks) byValue.set(mark.value, [...(byValue.get(mark.value) ?? []), mark.label]);
  [...byValue.entries()].forEach(([value, labels], i) => {
    const x = MARGIN.left + ((value - min) / Math.max(xMax - min, 1e-9)) * PLOT_W;
    const label = labels.join(', ');
    const right = x > MARGIN.left + PLOT_W * 0.8;
    parts.push(
      `<line class="mark" stroke="${COLOURS.mark}" x1="${x}" y1="${MARGIN.top}" x2="${x}" y2="${MARGIN.top + PLOT_H}"><title>${escapeHtml(label)} ${fmt(value)} ${escapeHtml(unit)}</title></line>`,
      `<text class="marklabel" fill="${COLOURS.mark}" x="${right ? x - 3 : x + 3}" y="${MARGIN.top + 10 + 12 * (i % 3)}" text-anchor="${right ? 'end' : 'start'}">${escapeHtml(label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One job on the timeline. */
export interface TimelineJob {
  label: string;
  startMs: number;
  durationMs: number;
  failed: boolean;
}

/** Each job as a bar from its start to its finish, one row per job in start order. */
export function timelineSvg(name: string, title: string, jobs: readonly TimelineJob[]): string {
  if (jobs.length === 0) return emptyChart(name, title, 'no timings recorded');
  const sorted = [...jobs].sort((a, b) => a.startMs - b.startMs);
  const end = Math.max(...sorted.map((j) => j.startMs + j.durationMs), 1);
  const seconds = end / 1000;
  const parts = [
    svgOpen(name, title),
    axes(0, seconds, sorted.length, 'seconds since the first start', 'jobs (by start)'),
  ];
  const rowH = PLOT_H / sorted.length;
  sorted.forEach((job, i) => {
    const x = MARGIN.left + (job.startMs / end) * PLOT_W;
    const w = Math.max((job.durationMs / end) * PLOT_W, 1);
    const y = MARGIN.top + PLOT_H - (i + 1) * rowH;
    parts.push(
      `<rect class="bar" fill="${job.failed ? COLOURS.failed : COLOURS.ok}" x="${x}" y="${y}" width="${w}" height="${Math.max(rowH - (rowH > 3 ? 1 : 0), 0.5)}"><title>${escapeHtml(job.label)}: ${fmt(job.startMs)}–${fmt(job.startMs + job.durationMs)} ms${job.failed ? ' (failed)' : ''}</title></rect>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** One job's tokens. */
export interface TokenJob {
  label: string;
  prompt: number;
  completion: number;
}

/** Stacked bars per job: prompt tokens (in) under completion tokens (out). */
export function tokensSvg(name: string, title: string, jobs: readonly TokenJob[]): string {
  const withTokens = jobs.filter((j) => j.prompt + j.completion > 0);
  if (withTokens.length === 0) return emptyChart(name, title, 'no token counts recorded');
  const top = Math.max(...withTokens.map((j) => j.prompt + j.completion));
  const parts = [
    svgOpen(name, title),
    axes(0, withTokens.length, top, 'jobs (in jobs-file order)', 'tokens'),
  ];
  const barW = PLOT_W / withTokens.length;
  withTokens.forEach((job, i) => {
    const x = MARGIN.left + i * barW + (barW > 3 ? 0.5 : 0);
    const w = Math.max(barW - (barW > 3 ? 1 : 0), 0.5);
    const hIn = (job.prompt / top) * PLOT_H;
    const hOut = (job.completion / top) * PLOT_H;
    const base = MARGIN.top + PLOT_H;
    parts.push(
      `<rect class="bar" fill="${COLOURS.prompt}" x="${x}" y="${base - hIn}" width="${w}" height="${hIn}"><title>${escapeHtml(job.label)}: ${job.prompt} tokens in</title></rect>`,
      `<rect class="bar" fill="${COLOURS.completion}" x="${x}" y="${base - hIn - hOut}" width="${w}" height="${hOut}"><title>${escapeHtml(job.label)}: ${job.completion} tokens out</title></rect>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, one per category (failures by error code). */
export function categoryBarsSvg(
  name: string,
  title: string,
  categories: ReadonlyArray<{ label: string; count: number }>,
): string {
  if (categories.length === 0) return emptyChart(name, title, 'no failures');
  const rowH = 26;
  const height = MARGIN.top + categories.length * rowH + 12;
  const left = 260;
  const plotW = WIDTH - left - 60;
  const top = Math.max(...categories.map((c) => c.count));
  const parts = [svgOpen(name, title, height)];
  categories.forEach((c, i) => {
    const y = MARGIN.top + i * rowH;
    const w = Math.max((c.count / top) * plotW, 1);
    parts.push(
      `<text class="tick" x="${left - 8}" y="${y + 15}" text-anchor="end">${escapeHtml(c.label)}</text>`,
      `<rect class="bar" fill="${COLOURS.failed}" x="${left}" y="${y + 3}" width="${w}" height="${rowH - 8}"><title>${escapeHtml(c.label)}: ${c.count}</title></rect>`,
      `<text class="tick" x="${left + w + 6}" y="${y + 15}">${c.count}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
