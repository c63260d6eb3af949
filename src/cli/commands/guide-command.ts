/**
 * `genesys-prompt guide deploy <template|dir>...`: the flags; the work is in guide-action.ts, loaded
 * only when the command runs.
 */
import { Command } from 'commander';
import { MAX_TIMER_MS, oneOf, wholeNumber } from '../flag-values.js';
import { TOKENIZERS } from '../injector-flags.js';
import type { GuideVersionPublishState } from '../../contract/guides.js';
import type { TokenizerName } from '../../prompt/tokens.js';

/** Parsed flags of `guide deploy`. */
export interface GuideDeployFlags {
  guide?: string;
  dryRun?: boolean;
  json?: boolean;
  state: GuideVersionPublishState;
  tokenizer: TokenizerName;
  pollInterval: number;
  publishTimeout: number;
  allowInsecure?: boolean;
}

/** Builds the `guide` command and its `deploy` subcommand. */
export function guideCommand(setExitCode: (code: number) => void): Command {
  const deploy = new Command('deploy')
    .description(
      'deploy templates as AI Studio guides: find or create each guide by name, write a version only when the content changed, publish it',
    )
    .argument('<paths...>', 'template files, or directories of templates (YAML or JSON)')
    .option(
      '--guide <name>',
      "the guide's name (default: the template's guide.name, then its id, then the file name)",
    )
    .option('--dry-run', 'print what would change, field by field; send nothing that changes anything')
    .option('--json', 'print one JSON report on stdout')
    .option(
      '--state <state>',
      'TestReady or ProductionReady',
      oneOf('--state', ['TestReady', 'ProductionReady'] as const),
      'ProductionReady',
    )
    .option(
      '--tokenizer <name>',
      'tokenizer of the budget check: o200k_base, cl100k_base or heuristic',
      oneOf('--tokenizer', TOKENIZERS),
      'o200k_base',
    )
    .option(
      '--poll-interval <ms>',
      'ms between reads of the publish job',
      wholeNumber('--poll-interval', { min: 1, max: MAX_TIMER_MS, example: 1000 }),
      1000,
    )
    .option(
      '--publish-timeout <ms>',
      'longest wait for the publish job',
      wholeNumber('--publish-timeout', { min: 1, max: MAX_TIMER_MS, example: 300_000 }),
      300_000,
    )
    .option('--allow-insecure', 'allow plain http to a host other than loopback')
    .action(async (paths: string[], flags: GuideDeployFlags) => {
      const { runGuideDeploy } = await import('./guide-action.js');
      setExitCode(await runGuideDeploy(paths, flags));
    });
  return new Command('guide').description('AI Studio guides: prompts deployed as code').addCommand(deploy);
}
