/**
 * Reading templates and few-shot example files from disk: YAML (`.yaml`, `.yml`) or JSON (`.json`).
 * The only file of `src/prompt/` that does I/O. Every problem names the file (and the line, for
 * syntax errors).
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { parseDocument } from 'yaml';
import { ValidationError } from '../errors.js';
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
import { validatePromptSchema, type PromptTemplate } from './template.js';

type DataFormat = 'yaml' | 'json';

const FORMATS: Record<string, DataFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/** The format of a file by its extension. */
function formatOf(path: string): DataFormat {
  const extension = extname(path).toLowerCase();
  const format = FORMATS[extension];
  if (!format) {
    throw new ValidationError(
      'file',
      extension ? `has the unsupported extension "${extension}"` : 'has no extension',
      'use a .yaml, .yml or .json file',
      { file: path },
    );
  }
  return format;
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Parses JSON, turning a syntax error into one naming the line. */
function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    const position = /at position (\d+)/.exec(message);
    const where = lineColumn
      ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
      : lineAndColumn(text, position ? Number(position[1]) : text.length);
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)/, '');
    throw new ValidationError(
      'file',
      `is not valid JSON at line ${where.line}, column ${where.column} (${reason})`,
      `fix the JSON syntax at line ${where.line}`,
      { file: path, cause: error },
    );
  }
}

/** Parses one YAML document, turning a syntax error into one naming the line. */
function parseYaml(text: string, path: string): unknown {
  const document = parseDocument(text, { prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const where = error.linePos?.[0];
    const at = where ? ` at line ${where.line}, column ${where.col}` : '';
    const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ValidationError(
      'file',
      `is not valid YAML${at} (${reason})`,
      where ? `fix the YAML syntax at line ${where.line}` : 'fix the YAML syntax',
      { file: path, cause: error },
    );
  }
  try {
    return document.toJS();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(
      'file',
      `cannot be read as data (${reason})`,
      'simplify the YAML (aliases, tags)',
      {
        file: path,
        cause,
      },
    );
  }
}

/** Reads and parses a YAML or JSON file. */
async function readDataFile(path: string): Promise<unknown> {
  const format = formatOf(path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
    throw new ValidationError('file', problem, 'check the path and the file permissions', {
      file: path,
      cause,
    });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return format === 'json' ? parseJson(text, path) : parseYaml(text, path);
}

/**
 * Loads a template file (YAML or JSON by extension) and validates it.
 * @param path a `.yaml`, `.yml` or `.json` file
 * @throws ValidationError naming the file, and the field or the line
 */
export async function loadTemplate(path: string): Promise<PromptTemplate> {
  return validatePromptSchema(await readDataFile(path), { file: path });
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
 * @throws ValidationError naming the file and the example's field (`examples[3].output`); its
 *   `problems` lists every problem of every example
 */
export async function loadFewShotExamples(path: string): Promise<FewShotExample[]> {
  return checkExamples(await readDataFile(path), path);
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
