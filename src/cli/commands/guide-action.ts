/**
 * What `genesys-prompt guide deploy` does: expand directories into their templates, check every
 * template (schema, variables, the instruction's tokens against its budget) before anything is sent,
 * then deploy each one and print its guide id and version — or, with `--dry-run`, what would change,
 * field by field. Progress goes to stderr on a terminal.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AbortError } from '../../errors.js';
import { deployGuide, type GuideDeployProgress, type GuideDeployResult } from '../../guides/deploy-guide.js';
import { guideDefinitionFromTemplate, type GuideDefinition } from '../../guides/guide-definition.js';
import type { GuideFieldChange } from '../../guides/guide-version-diff.js';
import { GenesysPromptInjector } from '../../injector.js';
import { errorLine, UsageError } from '../cli-error.js';
import { ExitCode, exitCodeFor, INTERRUPTED } from '../exit-codes.js';
import { loadPromptInputs } from '../prompt-inputs.js';
import { resolveTarget } from '../target.js';
import { safeJson, writeText } from '../terminal-text.js';
import type { GuideDeployFlags } from './guide-command.js';

const TEMPLATE_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** Most templates one run deploys. */
export const MAX_TEMPLATES_PER_DEPLOY = 500;
/** Characters of an instruction shown in a dry run's change line. */
const SHOWN_CHARS = 72;

/** One template to deploy. */
interface Planned {
  file: string;
  definition: GuideDefinition;
}

/** What `--json` prints for one template. */
type JsonEntry =
  ({ file: string } & GuideDeployResult) | { file: string; error: { code: string; message: string } };

/**
 * Runs `guide deploy`.
 * @returns the exit code (the first failure's, 0 when every template deployed)
 */
export async function runGuideDeploy(paths: readonly string[], flags: GuideDeployFlags): Promise<number> {
  const files = await templateFiles(paths, (line) => process.stderr.write(`${line}\n`));
  if (flags.guide !== undefined && files.length > 1) {
    throw new UsageError(
      '--guide',
      `names one guide but ${files.length} templates were given`,
      'deploy one template with --guide, or set guide.name in each template',
    );
  }
  // Every template is checked before anything is sent: bad input never reaches the network.
  const planned: Planned[] = [];
  for (const file of files) {
    const { template, examples } = await loadPromptInputs(file);
    planned.push({
      file,
      definition: guideDefinitionFromTemplate(template, examples, {
        ...(flags.guide === undefined ? {} : { name: flags.guide }),
        fallbackName: basename(file, extname(file)),
        tokenizer: flags.tokenizer,
        file,
      }),
    });
  }

  const target = await resolveTarget((line) => process.stderr.write(`${line}\n`));
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  const injector = new GenesysPromptInjector({
    environment: target.environment,
    clientId: target.clientId,
    clientSecret: target.clientSecret,
    ...(flags.allowInsecure ? { allowInsecure: true } : {}),
  });
  const progress = progressLine(process.stderr);
  const report: JsonEntry[] = [];
  let exitCode: number = ExitCode.ok;
  try {
    for (const { file, definition } of planned) {
      try {
        const result = await deployGuide(injector.guides(), definition, {
          dryRun: flags.dryRun ?? false,
          publishState: flags.state,
          pollIntervalMs: flags.pollInterval,
          publishTimeoutMs: flags.publishTimeout,
          signal: abort.signal,
          onProgress: (step) => progress.show(`${definition.name}: ${describeStep(step)}`),
        });
        progress.clear();
        report.push({ file, ...result });
        if (!flags.json) writeText(process.stdout, `${resultLines(result, flags.state).join('\n')}\n`);
      } catch (error) {
        progress.clear();
        if (abort.signal.aborted && error instanceof AbortError) {
          process.stderr.write('\ninterrupted: the deploy was stopped\n');
          return INTERRUPTED;
        }
        writeText(process.stderr, `${file}: ${errorLine(error)}\n`);
        report.push({ file, error: errorSummary(error) });
        if (exitCode === ExitCode.ok) exitCode = exitCodeFor(error);
      }
    }
    if (flags.json) process.stdout.write(`${safeJson(report)}\n`);
    return exitCode;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await injector.close();
    await target.close();
  }
}

/**
 * The template files of `paths`: files as given, directories expanded to their `.yaml`, `.yml` and
 * `.json` files that are templates (a mapping with `systemInstruction`), in name order. Other files
 * of a directory (few-shot example lists, variable files) are skipped with a note.
 */
async function templateFiles(paths: readonly string[], note: (line: string) => void): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) {
      throw new UsageError(
        'path',
        `${path} does not exist`,
        'pass a template file or a directory of templates',
      );
    }
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path))
      .filter((n) => TEMPLATE_EXTENSIONS.has(extname(n).toLowerCase()))
      .sort();
    let found = 0;
    for (const name of names) {
      const file = join(path, name);
      if (await looksLikeTemplate(file)) {
        files.push(file);
        found += 1;
      } else {
        note(`skipped ${file}: not a template (no systemInstruction)`);
      }
    }
    if (found === 0) {
      throw new UsageError(
        'path',
        `${path} holds no template`,
        'pass a directory with .yaml, .yml or .json templates',
      );
    }
  }
  if (files.length > MAX_TEMPLATES_PER_DEPLOY) {
    throw new UsageError(
      'path',
      `names ${files.length} templates, more than ${MAX_TEMPLATES_PER_DEPLOY}`,
      'deploy them in smaller groups',
    );
  }
  return files;
}

/** True when the file parses to a mapping with `systemInstruction` (a broken file counts, so its error shows). */
async function looksLikeTemplate(file: string): Promise<boolean> {
  try {
    const parsed: unknown = parseYaml(await readFile(file, 'utf8'));
    return (
      parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && 'systemInstruction' in parsed
    );
  } catch {
    return true;
  }
}

/** The lines printed for one deploy. */
export function resultLines(result: GuideDeployResult, state: string): string[] {
  const id = result.guideId ?? '(new)';
  const head = `${result.name}: guide ${id}`;
  const hash = `content ${result.contentHash.slice(0, 12)}`;
  let first: string;
  if (result.dryRun) {
    const what: Record<GuideDeployResult['action'], string> = {
      unchanged: `version ${result.version ?? '?'} is up to date (${hash}); nothing would be sent`,
      published: `would publish version ${result.version ?? '?'} as ${state} (content unchanged)`,
      created: result.guideCreated
        ? 'would create the guide and its first version, then publish it'
        : `would create a new version and publish it as ${state}`,
      patched: `would update Draft version ${result.version ?? '?'} and publish it as ${state}`,
    };
    first = `${head}: ${what[result.action]}`;
  } else if (result.action === 'unchanged') {
    first = `${head} version ${result.version ?? '?'}: up to date (${hash}); nothing sent`;
  } else {
    const verb = { created: 'created', patched: 'updated (Draft)', published: 'already held this content' }[
      result.action
    ];
    first = `${head} version ${result.version ?? '?'}: ${verb}, published as ${state}${result.guideCreated ? ' (new guide)' : ''}`;
  }
  return [first, ...result.changes.map(changeLine)];
}

function changeLine(change: GuideFieldChange): string {
  const show = (value: string | undefined): string => {
    if (value === undefined) return '(none)';
    const flat = value.replace(/\s+/g, ' ');
    return JSON.stringify(flat.length > SHOWN_CHARS ? `${flat.slice(0, SHOWN_CHARS)}…` : flat);
  };
  const mark = change.before === undefined ? '+' : change.after === undefined ? '-' : '~';
  return `  ${mark} ${change.field}: ${show(change.before)} -> ${show(change.after)}`;
}

function describeStep(step: GuideDeployProgress): string {
  switch (step.step) {
    case 'lookup':
      return 'looking the guide up';
    case 'compared':
      return step.changes === 0 ? 'content unchanged' : `${step.changes} field(s) differ`;
    case 'guide-created':
      return `created guide ${step.guideId}`;
    case 'version-written':
      return `${step.action} version ${step.version}`;
    case 'publishing':
      return `publishing version ${step.version} (job ${step.jobId})`;
    case 'polled':
      return `publish job ${step.status} (read ${step.polls})`;
  }
}

/** One status line rewritten in place on a terminal; nothing when the stream is not one. */
function progressLine(stream: NodeJS.WriteStream): { show(text: string): void; clear(): void } {
  const tty = stream.isTTY === true;
  let shown = false;
  return {
    show: (text) => {
      if (!tty) return;
      stream.write(`\r\x1b[K${text.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
      shown = true;
    },
    clear: () => {
      if (tty && shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

function errorSummary(error: unknown): { code: string; message: string } {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'error';
  return { code, message: error instanceof Error ? error.message : String(error) };
}
