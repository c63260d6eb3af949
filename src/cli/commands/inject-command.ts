/**
 * `genesys-prompt inject <template>`: streams the answer to stdout as it arrives and a one-line summary
 * to stderr (`--json`: one JSON result on stdout instead).
 */
import { Command } from 'commander';
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import type { InjectionResult } from '../../injector-options.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import { AbortError } from '../../errors.js';
import { ExitCode, INTERRUPTED } from '../exit-codes.js';
import { addInjectorFlags, createInjector, integerFlag, type InjectorFlags } from '../injector-flags.js';
import { loadPromptInputs, parseVarFlags, readVarsFile } from '../prompt-inputs.js';
import { resolveTarget } from '../target.js';

interface InjectFlags extends InjectorFlags {
  var: string[];
  varsFile?: string;
  examples?: string;
  assistant: string;
  json?: boolean;
  stream: boolean;
  maxResponseTokens?: number;
}

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
    result.audit && auditFile !== false ? `audit #${result.audit.seq} in ${auditFile}` : undefined,
  ];
  return parts.filter((p) => p !== undefined).join(' · ');
}

/** Builds the `inject` command; `run` receives the exit code. */
export function injectCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('inject')
    .description('send a prompt template and stream the answer')
    .argument('<template>', 'template file (YAML or JSON)')
    .option(
      '--var <name=value>',
      'a variable value (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--vars-file <file>', 'JSON or YAML file of variable values')
    .option('--examples <file>', "few-shot examples file (default: the template's fewShot.examples)")
    .option('--assistant <id>', 'AI assistant id', SEED_ASSISTANT_ID)
    .option('--json', 'print one JSON result instead of streaming text')
    .option('--no-stream', 'wait for the whole answer by reading the conversation')
    .option('--max-response-tokens <n>', 'cut the stream at this many answer tokens', integerFlag);
  addInjectorFlags(command);
  return command.action(async (templatePath: string, flags: InjectFlags) => {
    const { template, examples } = await loadPromptInputs(templatePath, flags.examples);
    const variables = {
      ...(flags.varsFile === undefined ? {} : await readVarsFile(flags.varsFile)),
      ...parseVarFlags(flags.var),
    };
    // Check the variables before starting anything: bad input never reaches the network.
    preparePrompt(template, flags.assistant, examples, { variables, tokenizer: flags.tokenizer });
    const target = await resolveTarget((line) => process.stderr.write(`${line}\n`));
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.once('SIGINT', onSigint);
    let injector: ReturnType<typeof createInjector> | undefined;
    try {
      injector = createInjector(target, flags);
      const options = {
        variables,
        signal: abort.signal,
        stream: flags.stream,
        ...(flags.maxResponseTokens === undefined ? {} : { maxResponseTokens: flags.maxResponseTokens }),
      };
      let result: InjectionResult | undefined;
      if (flags.json || !flags.stream) {
        result = await injector.injectPrompt(flags.assistant, template, examples, options);
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${result.response}\n`);
      } else {
        for await (const item of injector.streamPrompt(flags.assistant, template, examples, options)) {
          if (item.type === 'chunk') process.stdout.write(item.content);
          else result = item.result;
        }
        process.stdout.write('\n');
      }
      if (result !== undefined && !flags.json) process.stderr.write(`${summaryLine(result, flags.audit)}\n`);
      setExitCode(ExitCode.ok);
    } catch (error) {
      if (!(abort.signal.aborted && error instanceof AbortError)) throw error;
      process.stderr.write('\ninterrupted: the injection was stopped and audited as aborted\n');
      setExitCode(INTERRUPTED);
    } finally {
      process.removeListener('SIGINT', onSigint);
      await injector?.close();
      await target.close();
    }
  });
}
