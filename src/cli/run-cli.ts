/**
 * The `genesys-prompt` command line: inject | validate | batch | report | worker | guide | audit | emulator.
 * Exit codes: 0 ok, 2 bad input, 3 authentication or permission, 4 rate-limited out, 5 stream failure,
 * 1 anything else, 130 interrupted.
 *
 * Only the command being run is loaded (each command's module is imported on demand, and each
 * command imports the library, the SDK and the emulator only when its action runs), so `--help`,
 * `--version` and a bad flag answer at once.
 */
import { Command, CommanderError } from 'commander';
import { reportError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';
import { packageVersion } from './package-version.js';
import { safeJson } from './terminal-text.js';

type SetExitCode = (code: number) => void;

/** A command of the CLI: its name and one-line summary, and how to load its full definition. */
interface CommandEntry {
  name: string;
  summary: string;
  load(setExitCode: SetExitCode): Promise<Command>;
}

const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'inject',
    summary: 'send one template to an AI assistant and stream the answer',
    load: async (set) => (await import('./commands/inject-command.js')).injectCommand(set),
  },
  {
    name: 'validate',
    summary: 'check templates (schema, variables) and report tokens per message; sends nothing',
    load: async (set) => (await import('./commands/validate-command.js')).validateCommand(set),
  },
  {
    name: 'batch',
    summary: 'run one injection per line of a JSON-lines jobs file; resumable',
    load: async (set) => (await import('./commands/batch-command.js')).batchCommand(set),
  },
  {
    name: 'report',
    summary: 'summarise a batch results file (outcomes, latency, tokens, retries); --html for a page',
    load: async (set) => (await import('./commands/report-command.js')).reportCommand(set),
  },
  {
    name: 'audit',
    summary: 'audit trail tools (verify)',
    load: async (set) => (await import('./commands/audit-command.js')).auditCommand(set),
  },
  {
    name: 'worker',
    summary: 'process queued batch jobs (from `batch --queue`) until Ctrl-C',
    load: async (set) => (await import('./commands/worker-command.js')).workerCommand(set),
  },
  {
    name: 'guide',
    summary: 'AI Studio guides: prompts deployed as code (guide deploy)',
    load: async (set) => (await import('./commands/guide-command.js')).guideCommand(set),
  },
  {
    name: 'emulator',
    summary: 'run the local Genesys Cloud emulator until Ctrl-C',
    load: async (set) => (await import('./commands/emulator-command.js')).emulatorCommand(set),
  },
];

/** The command named on the line (`genesys-prompt help inject` names inject), if any. */
function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((arg) => !arg.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** Applies the program's error handling to `command` and everything under it. */
function inheritErrorHandling(
  command: Command,
  outputError: (text: string, write: (s: string) => void) => void,
): void {
  command.exitOverride().configureOutput({ outputError });
  for (const sub of command.commands) inheritErrorHandling(sub, outputError);
}

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...) and resolves with the exit code.
 * `--debug` anywhere prints stack traces; `--json` anywhere prints errors as JSON on stderr.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const end = argv.indexOf('--');
  const options = end === -1 ? argv.slice(2) : argv.slice(2, end);
  const debug = options.includes('--debug');
  const json = options.includes('--json');
  const args = argv.filter((arg, i) => !(arg === '--debug' && (end === -1 || i < end)));
  let exitCode: number = ExitCode.ok;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('genesys-prompt')
    .description('Build, validate and stream LLM prompts to Genesys Cloud AI Assistant conversations')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors (anywhere on the line)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 other failure, 2 bad input, 3 authentication or permission, 4 rate-limited out, 5 stream failure, 130 interrupted (Ctrl-C).',
    );
  try {
    const named = commandNamed(args.slice(2));
    for (const entry of COMMANDS) {
      if (entry.name === named) program.addCommand(await entry.load(setExitCode));
      else program.command(entry.name).description(entry.summary);
    }
    // With --json, commander's own usage errors are reported as JSON below instead of printed here.
    inheritErrorHandling(program, (text, write) => {
      if (!json) write(text);
    });
    await program.parseAsync([...args]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander (or go out as JSON).
      if (error.exitCode === 0) return ExitCode.ok;
      if (json) {
        const message = error.message.replace(/^error: /, '');
        process.stderr.write(
          `${safeJson({ error: { name: 'UsageError', code: error.code, message }, exitCode: ExitCode.badInput })}\n`,
        );
      }
      return ExitCode.badInput;
    }
    return reportError(error, { debug, json });
  }
}
