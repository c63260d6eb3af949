/**
 * What `genesys-prompt inject` does: streams the answer to stdout as it arrives and a one-line summary
 * to stderr (`--json`: one JSON result on stdout instead). Server text reaches a terminal neutralised.
 */
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import { AbortError } from '../../errors.js';
import { guideInputVariables } from '../../guides/guide-input-variables.js';
import type { InjectionResult } from '../../injector-options.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import { reportNote } from '../cli-error.js';
import { createInjector } from '../create-injector.js';
import { ExitCode, INTERRUPTED } from '../exit-codes.js';
import {
  declaredVariables,
  loadPromptInputs,
  parseVarFlags,
  readVarsFile,
  unknownVariableWarnings,
} from '../prompt-inputs.js';
import { resolveTarget } from '../target.js';
import { safeJson, writeText } from '../terminal-text.js';
import { GUIDES_BACKEND, GuideTargets, guideSummaryLine } from './guide-targets.js';
import type { InjectFlags } from './inject-command.js';
import { auditTargetName } from '../../observe/audit-open-sink.js';

/** The one-line summary of a result. */
export function summaryLine(result: InjectionResult, auditFile: string | false): string {
  const parts = [
    `conversation ${result.conversationId}`,
    result.timeToFirstChunkMs === undefined
      ? undefined
      : `first chunk ${Math.round(result.timeToFirstChunkMs)} ms`,
    `total ${Math.round(result.injectionLatencyMs + result.streamDurationMs)} ms`,
    `tokens ${result.usage.promptTokens} prompt + ${result.usage.completionTokens} completion`,
    `finish ${result.finishReason}${result.truncated ? ' (truncated at the token budget)' : ''}`,
    result.retries > 0 ? `${result.retries} retries` : undefined,
    result.audit && auditFile !== false
      ? `audit #${result.audit.seq} in ${auditTargetName(auditFile)}`
      : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}

/**
 * Runs one injection and resolves with the exit code.
 * @throws the library's typed errors (reported by the caller)
 */
export async function runInject(templatePath: string, flags: InjectFlags): Promise<number> {
  const json = flags.json === true;
  const { template, examples } = await loadPromptInputs(templatePath, flags.examples);
  const declared = declaredVariables(template);
  const fromFile = flags.varsFile === undefined ? {} : await readVarsFile(flags.varsFile);
  const fromFlags = parseVarFlags(flags.var, declared);
  for (const warning of [
    ...unknownVariableWarnings(
      templatePath,
      template,
      Object.keys(fromFile),
      `--vars-file ${flags.varsFile}:`,
    ),
    ...unknownVariableWarnings(templatePath, template, Object.keys(fromFlags), '--var'),
  ]) {
    reportNote('warning', warning, 'unknown.variable', json);
  }
  const variables = { ...fromFile, ...fromFlags };
  const toGuide = flags.backend === GUIDES_BACKEND;
  let assistant = flags.assistant ?? SEED_ASSISTANT_ID;
  // Check the variables before starting anything: bad input never reaches the network.
  preparePrompt(template, assistant, examples, { variables, tokenizer: flags.tokenizer });
  if (toGuide) guideInputVariables(template, variables);
  const target = await resolveTarget((line) => reportNote('notice', line, 'built-in.emulator', json));
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  let injector: ReturnType<typeof createInjector> | undefined;
  try {
    injector = createInjector(target, flags);
    if (toGuide) {
      const note = (line: string): void => reportNote('notice', line, 'guide.deployed', json);
      const guides = new GuideTargets(injector, target.emulator !== undefined, note);
      assistant = await guides.idFor(flags.guide, template, examples, abort.signal);
    }
    const options = {
      ...(flags.backend === undefined ? {} : { backend: flags.backend }),
      variables,
      signal: abort.signal,
      stream: flags.stream,
      ...(flags.maxResponseTokens === undefined ? {} : { maxResponseTokens: flags.maxResponseTokens }),
    };
    let result: InjectionResult | undefined;
    if (json || !flags.stream) {
      result = await injector.injectPrompt(assistant, template, examples, options);
      if (json) process.stdout.write(`${safeJson(result)}\n`);
      else writeText(process.stdout, `${result.response}\n`);
    } else {
      for await (const item of injector.streamPrompt(assistant, template, examples, options)) {
        if (item.type === 'chunk') writeText(process.stdout, item.content);
        else result = item.result;
      }
      process.stdout.write('\n');
    }
    if (result !== undefined && !json) writeText(process.stderr, `${summaryLine(result, flags.audit)}\n`);
    const guideLine = result === undefined || json ? undefined : guideSummaryLine(result);
    if (guideLine !== undefined) writeText(process.stderr, `${guideLine}\n`);
    return ExitCode.ok;
  } catch (error) {
    if (!(abort.signal.aborted && error instanceof AbortError)) throw error;
    const message = 'the injection was stopped and audited as aborted';
    if (json) {
      process.stderr.write(
        `${safeJson({ error: { name: 'AbortError', code: 'aborted', message }, exitCode: INTERRUPTED })}\n`,
      );
    } else {
      process.stderr.write(`\ninterrupted: ${message}\n`);
    }
    return INTERRUPTED;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await injector?.close();
    await target.close();
  }
}
