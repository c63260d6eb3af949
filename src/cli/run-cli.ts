/**
 * The `genesys-prompt` command line: inject | validate | batch | audit verify | emulator. Exit codes: 0 ok, 2 bad input,
 * 3 authentication or permission, 4 rate-limited out, 5 stream failure, 1 anything else.
 */
import { Command, CommanderError } from 'commander';
import { reportError } from './cli-error.js';
import { auditCommand } from './commands/audit-command.js';
import { batchCommand } from './commands/batch-command.js';
import { emulatorCommand } from './commands/emulator-command.js';
import { guideCommand } from './commands/guide-command.js';
import { injectCommand } from './commands/inject-command.js';
import { validateCommand } from './commands/validate-command.js';
import { workerCommand } from './commands/worker-command.js';
import { ExitCode } from './exit-codes.js';

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...) and resolves with the exit code.
 * `--debug` anywhere prints stack traces.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((arg) => arg !== '--debug');
  let exitCode: number = ExitCode.ok;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('genesys-prompt')
    .description('Build, validate and stream LLM prompts to Genesys Cloud AI Assistant conversations')
    .option('--debug', 'print stack traces of errors (anywhere on the line)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 other failure, 2 bad input, 3 authentication or permission, 4 rate-limited out, 5 stream failure, 130 interrupted (Ctrl-C).',
    );
  program.addCommand(injectCommand(setExitCode));
  program.addCommand(validateCommand(setExitCode));
  program.addCommand(batchCommand(setExitCode));
  program.addCommand(auditCommand(setExitCode));
  program.addCommand(emulatorCommand(setExitCode));
  program.addCommand(workerCommand(setExitCode));
  program.addCommand(guideCommand(setExitCode));
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync([...args]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    }
    return reportError(error, debug);
  }
}
