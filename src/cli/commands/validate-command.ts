/**
 * `genesys-prompt validate <template>...`: the flags; the work is in validate-action.ts, loaded only
 * when the command runs.
 */
import { Command } from 'commander';
import { oneOf, repeatable } from '../flag-values.js';
import { TOKENIZERS } from '../injector-flags.js';

/** Parsed flags of `validate`. */
export interface ValidateFlags {
  var: string[];
  tokenizer: (typeof TOKENIZERS)[number];
  json?: boolean;
}

/** Builds the `validate` command. */
export function validateCommand(setExitCode: (code: number) => void): Command {
  return new Command('validate')
    .description(
      'check templates (every schema problem, variables) and report tokens per message; sends nothing',
    )
    .argument('<templates...>', 'template files (YAML or JSON)')
    .option('--var <name=value>', 'a variable value (repeatable)', repeatable, [])
    .option(
      '--tokenizer <name>',
      'o200k_base, cl100k_base or heuristic',
      oneOf('--tokenizer', TOKENIZERS),
      'o200k_base',
    )
    .option('--json', 'print one JSON report on stdout')
    .action(async (paths: string[], flags: ValidateFlags) => {
      const { runValidate } = await import('./validate-action.js');
      setExitCode(await runValidate(paths, flags));
    });
}
