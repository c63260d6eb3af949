/**
 * `genesys-prompt inject <template>`: the flags, checked before anything starts; the work is in
 * inject-action.ts, loaded only when the command runs.
 */
import { Command } from 'commander';
import { checkInputFile } from '../file-flags.js';
import { repeatable, wholeNumber } from '../flag-values.js';
import { oneOf } from '../flag-values.js';
import {
  BACKENDS,
  addInjectorFlags,
  addRpmFlag,
  checkInjectorFiles,
  type InjectorFlags,
} from '../injector-flags.js';

/** Parsed flags of `inject`. */
export interface InjectFlags extends InjectorFlags {
  var: string[];
  varsFile?: string;
  examples?: string;
  assistant?: string;
  json?: boolean;
  stream: boolean;
  maxResponseTokens?: number;
  backend?: (typeof BACKENDS)[number];
  guide?: string;
}

/** Builds the `inject` command; `setExitCode` receives the exit code. */
export function injectCommand(setExitCode: (code: number) => void): Command {
  const command = new Command('inject')
    .description('send a prompt template to an AI assistant and stream the answer')
    .argument('<template>', 'template file (YAML or JSON)')
    .option('--var <name=value>', 'a variable value (repeatable)', repeatable, [])
    .option('--vars-file <file>', 'JSON or YAML file of variable values')
    .option('--examples <file>', "few-shot examples file (default: the template's fewShot.examples)")
    .option('--assistant <id>', 'AI assistant id (default: the example assistant the emulator knows)')
    .option(
      '--backend <name>',
      `response backend: ${BACKENDS.join(', ')} (default: --transport)`,
      oneOf('--backend', BACKENDS),
    )
    .option(
      '--guide <id or name>',
      "with --backend guides: the guide (default: the template's guide.name or id)",
    )
    .option('--json', 'print one JSON result on stdout (and errors as JSON on stderr)')
    .option('--no-stream', 'wait for the whole answer by reading the conversation')
    .option(
      '--max-response-tokens <n>',
      'cut the stream at this many answer tokens',
      wholeNumber('--max-response-tokens', { min: 1, max: 10_000_000, example: 256 }),
    );
  addInjectorFlags(command);
  addRpmFlag(command);
  return command.action(async (templatePath: string, flags: InjectFlags) => {
    checkInputFile('template', templatePath);
    if (flags.varsFile !== undefined) checkInputFile('--vars-file', flags.varsFile);
    if (flags.examples !== undefined) checkInputFile('--examples', flags.examples);
    checkInjectorFiles(flags);
    const { runInject } = await import('./inject-action.js');
    setExitCode(await runInject(templatePath, flags));
  });
}
