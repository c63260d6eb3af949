/**
 * What `inject` and `batch` read before sending: the template, its few-shot examples (from
 * `--examples` or the template's `fewShot.examples`), and variables from `--vars-file` and `--var`.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { FewShotExample } from '../prompt/few-shot.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../prompt/load-template.js';
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

/** Parses repeated `--var name=value` flags. */
export function parseVarFlags(flags: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of flags) {
    const at = flag.indexOf('=');
    if (at <= 0) {
      throw new UsageError('--var', `"${flag}" is not name=value`, 'write --var productType=subscription');
    }
    values[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return values;
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
      {
        file: path,
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(
      'variables',
      'is not an object of name: value pairs',
      'write one name: value per line',
      { file: path },
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
