/**
 * Loading templates and few-shot example files from disk (with `data-file.ts`, the only I/O of
 * `src/prompt/`). Every problem names the file (and the line, for syntax errors).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { ValidationError } from '../errors.js';
import { readDataFile } from './data-file.js';
import { FewShotExampleSchema, type FewShotExample } from './few-shot.js';
import {
  closestKey,
  fieldOf,
  issuePath,
  orderedIssues,
  problemOf,
  valueAt,
  type SchemaIssue,
} from './schema-issue.js';
import { inputLimit, type PromptInputLimits } from './input-limits.js';
import { validatePromptSchema, type PromptTemplate } from './template.js';

/**
 * Loads a template file (YAML or JSON by extension) and validates it, once: the template returned is
 * frozen and the pipeline does not check it again.
 * @param path a `.yaml`, `.yml` or `.json` file
 * @param limits `maxTemplateBytes` (default 1 MiB)
 * @throws ValidationError naming the file, and the field or the line; its `problems` lists every
 *   schema problem; InputTooLargeError for a file over `maxTemplateBytes`, before it is parsed
 */
export async function loadTemplate(
  path: string,
  limits: Pick<PromptInputLimits, 'maxTemplateBytes'> = {},
): Promise<PromptTemplate> {
  const data = await readDataFile(path, inputLimit(limits, 'maxTemplateBytes'), 'maxTemplateBytes');
  return validatePromptSchema(data, { file: path });
}

const EXAMPLE_KEYS = Object.keys(FewShotExampleSchema.shape);

/** Checks parsed examples data: a list, or `{examples: [...]}`. */
function checkExamples(data: unknown, file: string): FewShotExample[] {
  const wrapped =
    data !== null &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    Object.keys(data).join() === 'examples';
  const list = wrapped ? (data as { examples: unknown }).examples : data;
  if (!Array.isArray(list)) {
    throw new ValidationError(
      'examples',
      'must be a list of {input, output, category}',
      'write the examples as a list, or as {examples: [...]}',
      { file },
    );
  }
  const examples: FewShotExample[] = [];
  const problems: ValidationError[] = [];
  list.forEach((item: unknown, index) => {
    const parsed = FewShotExampleSchema.safeParse(item);
    if (parsed.success) examples.push(parsed.data);
    else
      problems.push(
        ...orderedIssues(parsed.error.issues).map((issue) => exampleProblem(issue, item, index, file)),
      );
  });
  const [first, ...others] = problems;
  if (first) throw ValidationError.of([first, ...others]);
  return examples;
}

/** The error of one schema issue of `examples[index]`. */
function exampleProblem(issue: SchemaIssue, item: unknown, index: number, file: string): ValidationError {
  const path = issuePath(issue);
  const field = fieldOf([index, ...path], 'examples');
  const problem = problemOf(issue, valueAt(item, path));
  let fix = `write examples[${index}] as {input, output, category}, each a non-empty string`;
  if (issue.code === 'unrecognized_keys') {
    const guess = closestKey(String(path[path.length - 1]), EXAMPLE_KEYS);
    fix = guess
      ? `did you mean ${JSON.stringify(guess)}? (allowed: ${EXAMPLE_KEYS.join(', ')})`
      : `remove it (allowed: ${EXAMPLE_KEYS.join(', ')})`;
  } else if (path.length === 1) {
    fix = `set ${field} to a non-empty string`;
  }
  return new ValidationError(field, problem, fix, { file });
}

/**
 * Loads a few-shot examples file: a YAML/JSON list of `{input, output, category}`, or
 * `{examples: [...]}`. Each example is validated.
 * @param path a `.yaml`, `.yml` or `.json` file
 * @param limits `maxExamplesBytes` (default 16 MiB)
 * @throws ValidationError naming the file and the example's field (`examples[3].output`); its
 *   `problems` lists every problem of every example; InputTooLargeError for a file over
 *   `maxExamplesBytes`, before it is parsed
 */
export async function loadFewShotExamples(
  path: string,
  limits: Pick<PromptInputLimits, 'maxExamplesBytes'> = {},
): Promise<FewShotExample[]> {
  const data = await readDataFile(path, inputLimit(limits, 'maxExamplesBytes'), 'maxExamplesBytes');
  return checkExamples(data, path);
}

/**
 * Path of the examples file a template names (`fewShot.examples`), resolved against the template
 * file's folder; undefined when it names none. Absolute paths are kept.
 * @param templatePath the template file's path
 * @param template the loaded template
 */
export function resolveFewShotPath(templatePath: string, template: PromptTemplate): string | undefined {
  const examples = template.fewShot?.examples;
  if (examples === undefined) return undefined;
  return isAbsolute(examples) ? examples : join(dirname(templatePath), examples);
}
