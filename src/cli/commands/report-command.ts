/**
 * `genesys-prompt report <results.jsonl>`: the flags, checked before anything is read; the work is in
 * report-action.ts.
 */
import { Command } from 'commander';
import { checkInputFile, checkOutputFile } from '../file-flags.js';

/** Parsed flags of `report`. */
export interface ReportFlags {
  html?: string;
  json?: boolean;
}

/** Builds the `report` command. */
export function reportCommand(setExitCode: (code: number) => void): Command {
  return new Command('report')
    .description(
      'summarise a batch results file: outcomes and error codes, latency p50/p95/p99, tokens in and out, retries',
    )
    .argument('<results>', 'results file written by batch (JSON lines)')
    .option('--html <file>', 'also write a self-contained HTML page with charts (opens offline)')
    .option('--json', 'print the summary as JSON')
    .action(async (resultsPath: string, flags: ReportFlags) => {
      checkInputFile('results', resultsPath);
      if (flags.html !== undefined) checkOutputFile('--html', flags.html, 'report.html');
      const { runReport } = await import('./report-action.js');
      setExitCode(await runReport(resultsPath, flags));
    });
}
