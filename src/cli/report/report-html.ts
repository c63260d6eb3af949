/**
 * The self-contained HTML page of `genesys-prompt report --html`: one file, inline CSS and SVG, no
 * script, and a Content-Security-Policy that forbids every fetch, so it opens offline and leaks
 * nothing. Every text from the results file (job ids, error messages) is escaped.
 */
import type { BatchReport, ReportJob } from './batch-report.js';
import { jobList, percentilesText } from './report-text.js';
import { COLOURS, categoryBarsSvg, escapeHtml, histogramSvg, timelineSvg, tokensSvg } from './svg-charts.js';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 820px; color: #1d2733; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #5b6775; margin: 0 0 16px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.tile { border: 1px solid #dde3ea; border-radius: 6px; padding: 8px 10px; }
.tile b { display: block; font-size: 20px; } .tile span { color: #5b6775; font-size: 12px; }
.chart { display: block; max-width: 100%; height: auto; border: 1px solid #eef1f4; border-radius: 6px; }
.axis { stroke: #8a96a3; } .grid { stroke: #eef1f4; } .mark { stroke-dasharray: 4 3; stroke-width: 1.5; }
.tick, .marklabel { font-size: 11px; fill: #5b6775; } .label { font-size: 12px; fill: #3a4654; }
table { border-collapse: collapse; width: 100%; margin-top: 8px; } td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef1f4; vertical-align: top; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
`;

const tile = (value: string, label: string): string =>
  `<div class="tile"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;

const legend = (items: ReadonlyArray<[string, string]>): string =>
  `<p class="legend">${items.map(([colour, label]) => `<span><i style="background:${colour}"></i>${escapeHtml(label)}</span>`).join('')}</p>`;

/**
 * The page of a batch run.
 * @param file the results file, named in the heading
 */
export function reportHtml(file: string, report: BatchReport, jobs: readonly ReportJob[]): string {
  const latencies = jobs.flatMap((j) => (j.record.durationMs === undefined ? [] : [j.record.durationMs]));
  const marks = report.latencyMs
    ? [
        { label: 'p50', value: report.latencyMs.p50 },
        { label: 'p95', value: report.latencyMs.p95 },
        { label: 'p99', value: report.latencyMs.p99 },
      ]
    : [];
  const timeline = jobs.flatMap((j) =>
    j.startMs === undefined || j.record.durationMs === undefined
      ? []
      : [
          {
            label: j.label,
            startMs: j.startMs,
            durationMs: j.record.durationMs,
            failed: j.record.status === 'failed',
          },
        ],
  );
  const tokens = jobs.map((j) => ({
    label: j.label,
    prompt: j.record.usage?.promptTokens ?? 0,
    completion: j.record.usage?.completionTokens ?? 0,
  }));
  const failureRows = report.failures
    .map(
      (f) =>
        `<tr><td><code>${escapeHtml(f.code)}</code></td><td>${f.count}</td><td>${escapeHtml(jobList(f.jobs, 50))}</td></tr>`,
    )
    .join('');
  const okShare = report.jobs === 0 ? 0 : (100 * report.ok) / report.jobs;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Batch report — ${escapeHtml(file)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Batch report</h1>
<p class="meta">${escapeHtml(file)} · run ${escapeHtml(report.runId ?? 'unknown')}${report.createdAt ? ` · started ${escapeHtml(report.createdAt)}` : ''}</p>
<div class="tiles">
${tile(`${report.ok} / ${report.jobs}`, `jobs ok (${okShare.toFixed(1)} %)`)}
${tile(String(report.failed), 'failed')}
${tile(report.latencyMs ? `${report.latencyMs.p95} ms` : '–', 'latency p95')}
${tile(`${report.tokens.prompt.toLocaleString('en-US')} / ${report.tokens.completion.toLocaleString('en-US')}`, 'tokens in / out')}
</div>
<h2>Latency</h2>
<p>${escapeHtml(percentilesText(report.latencyMs))}<br>first chunk: ${escapeHtml(percentilesText(report.firstChunkMs))}<br>retries: ${report.retries.total} in ${report.retries.jobsRetried} jobs</p>
${histogramSvg('latency', 'Latency per job (end to end), with p50, p95 and p99', latencies, marks, 'ms')}
<h2>Timeline of the run</h2>
${legend([
  [COLOURS.ok, 'ok'],
  [COLOURS.failed, 'failed'],
])}
${timelineSvg('timeline', 'Each job from its start to its finish', timeline)}
<h2>Tokens per job</h2>
${legend([
  [COLOURS.prompt, 'prompt (in)'],
  [COLOURS.completion, 'completion (out)'],
])}
${tokensSvg('tokens', 'Prompt and completion tokens per job', tokens)}
<h2>Failures by error code</h2>
${categoryBarsSvg(
  'failures',
  'Failed jobs per error code',
  report.failures.map((f) => ({ label: f.code, count: f.count })),
)}
${report.failures.length > 0 ? `<table><thead><tr><th>code</th><th>jobs</th><th>which</th></tr></thead><tbody>${failureRows}</tbody></table>` : ''}
</body>
</html>
`;
}
