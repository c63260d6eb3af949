/**
 * What `genesys-prompt validate` does: for each template, every schema problem at once, or the
 * variables, a token count per message and the budget; nothing is sent.
 */
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import { ValidationError } from '../../errors.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import { estimateTokens } from '../../prompt/tokens.js';
import { errorLine, errorReport, reportNote, type ErrorReport } from '../cli-error.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import {
  declaredVariables,
  loadPromptInputs,
  parseVarFlags,
  unknownVariableWarnings,
} from '../prompt-inputs.js';
import { safeJson, writeText } from '../terminal-text.js';
import type { ValidateFlags } from './validate-command.js';

/** What `validate --json` reports for one template. */
export interface TemplateReport {
  file: string;
  ok: boolean;
  id?: string;
  version?: string;
  variables?: string[];
  /** Variables with no value yet: to pass at inject time. */
  toSupply?: string[];
  messages?: Array<{ role: string; tokens: number }>;
  promptTokens?: number;
  maxTokens?: number;
  contextWindowLimit?: number;
  tokenizer?: string;
  fewShot?: { chosen: number; available: number };
  droppedMessages?: number;
  /** When not ok: the error, with every problem of the file. */
  error?: ErrorReport['error'];
}

/** The report of one valid template. */
async function inspectTemplate(path: string, flags: ValidateFlags): Promise<TemplateReport> {
  const { template, examples } = await loadPromptInputs(path);
  const given = parseVarFlags(flags.var, declaredVariables(template));
  for (const warning of unknownVariableWarnings(path, template, Object.keys(given), '--var')) {
    reportNote('warning', warning, 'unknown.variable', flags.json === true);
  }
  const values = { ...template.variables, ...given };
  const names = declaredVariables(template);
  const toSupply = names.filter(
    (n) => values[n] === undefined && template.declarations?.[n]?.default === undefined,
  );
  const prepared = preparePrompt(template, SEED_ASSISTANT_ID, examples, {
    variables: values,
    missing: 'placeholder',
    tokenizer: flags.tokenizer,
  });
  return {
    file: path,
    ok: true,
    ...(template.id === undefined ? {} : { id: template.id }),
    ...(template.version === undefined ? {} : { version: template.version }),
    variables: names,
    toSupply,
    messages: prepared.payload.messages.map((m) => ({
      role: m.role,
      tokens: estimateTokens(m.content, flags.tokenizer),
    })),
    promptTokens: prepared.promptTokens,
    maxTokens: prepared.maxTokens,
    contextWindowLimit: template.contextWindowLimit,
    tokenizer: flags.tokenizer,
    fewShot: { chosen: prepared.examples.length, available: examples.length },
    droppedMessages: prepared.dropped.length,
  };
}

/** The text lines of a valid template's report. */
function reportLines(r: TemplateReport): string[] {
  const label = [r.id, r.version && `v${r.version}`].filter(Boolean).join(' ');
  const names = r.variables ?? [];
  const toSupply = r.toSupply ?? [];
  const lines = [`${r.file}: OK${label ? ` (${label})` : ''}`];
  lines.push(
    `  variables: ${names.length === 0 ? 'none' : names.join(', ')}${toSupply.length > 0 ? ` — to supply at inject time: ${toSupply.join(', ')}` : ''}`,
  );
  for (const m of r.messages ?? [])
    lines.push(`  ${m.role.padEnd(9)} ${String(m.tokens).padStart(6)} tokens`);
  lines.push(
    `  prompt ${r.promptTokens} + output allowance ${r.maxTokens} <= context window ${r.contextWindowLimit} (${r.tokenizer})`,
  );
  if (r.fewShot && r.fewShot.available > 0) {
    lines.push(`  few-shot: ${r.fewShot.chosen} of ${r.fewShot.available} examples fit`);
  }
  if (r.droppedMessages) lines.push(`  dropped to fit: ${r.droppedMessages} messages`);
  return lines;
}

/** Validates every file and resolves with the worst exit code (the first failure's). */
export async function runValidate(paths: readonly string[], flags: ValidateFlags): Promise<number> {
  let worst: number = ExitCode.ok;
  const reports: TemplateReport[] = [];
  for (const path of paths) {
    try {
      const report = await inspectTemplate(path, flags);
      reports.push(report);
      if (!flags.json) writeText(process.stdout, `${reportLines(report).join('\n')}\n`);
    } catch (error) {
      const code = exitCodeFor(error);
      if (code === ExitCode.other) throw error;
      if (worst === ExitCode.ok) worst = code;
      reports.push({ file: path, ok: false, error: errorReport(error, code).error });
      if (!flags.json) {
        const problems = error instanceof ValidationError ? error.problems : [error];
        for (const problem of problems) writeText(process.stderr, `${errorLine(problem)}\n`);
      }
    }
  }
  if (flags.json)
    process.stdout.write(`${safeJson({ ok: worst === ExitCode.ok, templates: reports, exitCode: worst })}\n`);
  return worst;
}
