/**
 * What `genesys-prompt report` does: reads a batch results file, prints its summary (text or JSON),
 * and with `--html` writes the page with charts.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseBatchResults } from '../batch/batch-journal.js';
import { UsageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { buildBatchReport } from '../report/batch-report.js';
import { reportHtml } from '../report/report-html.js';
import { reportLines } from '../report/report-text.js';
import { safeJson, writeText } from '../terminal-text.js';
import type { ReportFlags } from './report-command.js';

/** Reports on one results file; resolves with the exit code. */
export async function runReport(resultsPath: string, flags: ReportFlags): Promise<number> {
  const results = parseBatchResults(await readFile(resultsPath, 'utf8'));
  if (results.header === undefined && results.records.length === 0) {
    throw new UsageError(
      'results',
      `${resultsPath} holds no batch results`,
      'pass the --out file of a batch run',
      {
        code: 'invalid.results.file',
      },
    );
  }
  const { report, jobs } = buildBatchReport(results);
  if (flags.html !== undefined) await writeFile(flags.html, reportHtml(resultsPath, report, jobs));
  if (flags.json) {
    process.stdout.write(
      `${safeJson({ ...report, ...(flags.html === undefined ? {} : { html: flags.html }) })}\n`,
    );
  } else {
    writeText(process.stdout, `${reportLines(resultsPath, report).join('\n')}\n`);
    if (flags.html !== undefined) writeText(process.stderr, `report page written to ${flags.html}\n`);
  }
  return ExitCode.ok;
}
