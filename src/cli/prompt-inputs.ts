/**
 * What `inject`, `validate` and `batch` read before sending: the template, its few-shot examples (from
 * `--examples` or the template's `fewShot.examples`), and variables from `--vars-file` and `--var`,
 * each name checked against what the template declares.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FewShotExample } from '../prompt/few-shot.js';
import { placeholdersOf } from '../prompt/interpolate.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../prompt/load-template.js';
import { closestKey } from '../prompt/schema-issue.js';
import type { PromptTemplate } from '../prompt/template.js';
import { UsageError } from './cli-error.js';

/** A template ready to inject, with its examples. */
export interface PromptInputs {
  template: PromptTemplate;
  examples: FewShotExample[];
}

/** Loads a template and the few-shot examples it names (or `examplesPath`). */
export async function loadPromptInputs(templatePath: string, examplesPath?: string): Promise<PromptInputs> {
  const template = await loadTemplate(templatePath);
  const path = examplesPath ?? resolveFewShotPath(templatePath, template);
  const examples = path === undefined ? [] : await loadFewShotExamples(path);
  return { template, examples };
}

/**
 * Every variable name a template knows: its placeholders, its declarations and its own values, in
 * the order they first appear.
 */
export function declaredVariables(template: PromptTemplate): string[] {
  return [
    ...new Set([
      ...placeholdersOf(template.systemInstruction),
      ...placeholdersOf(template.userTemplate),
      ...Object.keys(template.declarations ?? {}),
      ...Object.keys(template.variables),
    ]),
  ];
}

/**
 * Parses repeated `--var name=value` flags.
 * @param declared the template's variable names, for the example in the fix
 * @throws UsageError naming the bad flag and a `--var` the template would accept
 */
export function parseVarFlags(
  flags: readonly string[],
  declared: readonly string[] = [],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0) {
      const example = declared[0] ?? 'name';
      throw new UsageError('--var', `"${flag}" is not name=value`, `write --var ${example}=...`, {
        code: 'invalid.flag',
      });
    }
    values[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return values;
}

/**
 * One warning per variable the template does not know (a misspelt name would otherwise be ignored
 * silently and the default used), naming the nearest declared name.
 * @param source how the user gave the values (`--var`, `--vars-file x.yaml`, `line 3`)
 */
export function unknownVariableWarnings(
  templatePath: string,
  template: PromptTemplate,
  names: readonly string[],
  source: string,
): string[] {
  const declared = declaredVariables(template);
  return names
    .filter((name) => !declared.includes(name))
    .map((name) => {
      const guess = closestKey(name, declared);
      const hint = guess
        ? `did you mean ${guess}?`
        : declared.length > 0
          ? `it declares ${declared.join(', ')}`
          : 'it declares no variables';
      return `${source} ${name}: ${basename(templatePath)} has no variable "${name}" (ignored); ${hint}`;
    });
}

/** Reads `--vars-file`: a JSON or YAML object of string values. */
export async function readVarsFile(path: string): Promise<Record<string, string>> {
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      '--vars-file',
      `cannot read ${path} (${(error as Error).message})`,
      'pass a JSON or YAML file of name: value pairs',
      { file: path },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      'variables',
      'is not an object of name: value pairs',
      'write one name: value per line',
      {
        file: path,
      },
    );
  }
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new UsageError(`variables.${name}`, 'is not a string', `quote the value of ${name}`, {
        file: path,
      });
    }
    values[name] = String(value);
  }
  return values;
}
