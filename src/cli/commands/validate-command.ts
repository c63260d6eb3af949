/**
 * `genesys-prompt validate <template>...`: checks each template's schema and variables and prints a
 * token report per message, without sending anything.
 */
import { Command } from 'commander';
import { SEED_ASSISTANT_ID } from '../../contract/conversation.js';
import type { TokenizerName } from '../../injector-options.js';
import { placeholdersOf } from '../../prompt/interpolate.js';
import { preparePrompt } from '../../prompt/prepare-prompt.js';
import { estimateTokens } from '../../prompt/tokens.js';
import { errorLine } from '../cli-error.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { loadPromptInputs, parseVarFlags } from '../prompt-inputs.js';

interface ValidateFlags {
  var: string[];
  tokenizer: TokenizerName;
}

/** The report lines of one valid template. */
async function reportTemplate(path: string, flags: ValidateFlags): Promise<string[]> {
  const { template, examples } = await loadPromptInputs(path);
  const values = { ...template.variables, ...parseVarFlags(flags.var) };
  const names = [
    ...new Set([...placeholdersOf(template.systemInstruction), ...placeholdersOf(template.userTemplate)]),
  ];
  const missing = names.filter(
    (n) => values[n] === undefined && template.declarations?.[n]?.default === undefined,
  );
  const prepared = preparePrompt(template, SEED_ASSISTANT_ID, examples, {
    variables: values,
    missing: 'placeholder',
    tokenizer: flags.tokenizer,
  });
  const label = [template.id, template.version && `v${template.version}`].filter(Boolean).join(' ');
  const lines = [`${path}: OK${label ? ` (${label})` : ''}`];
  lines.push(
    `  variables: ${names.length === 0 ? 'none' : names.join(', ')}${missing.length > 0 ? ` — to supply at inject time: ${missing.join(', ')}` : ''}`,
  );
  for (const message of prepared.payload.messages) {
    lines.push(
      `  ${message.role.padEnd(9)} ${String(estimateTokens(message.content, flags.tokenizer)).padStart(6)} tokens`,
    );
  }
  lines.push(
    `  prompt ${prepared.promptTokens} + output allowance ${prepared.maxTokens} <= context window ${template.contextWindowLimit} (${flags.tokenizer})`,
  );
  if (examples.length > 0)
    lines.push(`  few-shot: ${prepared.examples.length} of ${examples.length} examples fit`);
  if (prepared.dropped.length > 0) lines.push(`  dropped to fit: ${prepared.dropped.length} messages`);
  return lines;
}

/** Builds the `validate` command. */
export function validateCommand(setExitCode: (code: ExitCode) => void): Command {
  return new Command('validate')
    .description('check templates (schema, variables) and report tokens per message; sends nothing')
    .argument('<templates...>', 'template files (YAML or JSON)')
    .option(
      '--var <name=value>',
      'a variable value (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option('--tokenizer <name>', 'o200k_base, cl100k_base or heuristic', 'o200k_base')
    .action(async (paths: string[], flags: ValidateFlags) => {
      let worst: ExitCode = ExitCode.ok;
      for (const path of paths) {
        try {
          process.stdout.write(`${(await reportTemplate(path, flags)).join('\n')}\n`);
        } catch (error) {
          process.stderr.write(`${errorLine(error)}\n`);
          const code = exitCodeFor(error);
          if (worst === ExitCode.ok) worst = code;
        }
      }
      setExitCode(worst);
    });
}
