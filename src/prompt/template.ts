/**
 * Template validation: every problem of a template at once, each a `ValidationError` naming the
 * field, the problem and the fix (the fix read from the rule attached to the field's schema).
 * A validated template is frozen and remembered, so the pipeline checks it once, not per injection.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { plainEqual, plainJsonKey } from './plain-json-key.js';
import { scanPlaceholders, VARIABLE_NAME_RE } from './placeholders.js';
import {
  closestKey,
  describeValue,
  fieldOf,
  issuePath,
  orderedIssues,
  problemOf,
  valueAt,
  type SchemaIssue,
} from './schema-issue.js';
import { FIELD_RULES, PromptTemplateSchema, type FieldRule, type PromptTemplate } from './template-schema.js';

export {
  FewShotConfigSchema,
  GuideSettingsSchema,
  MAX_CONTEXT_WINDOW_TOKENS,
  MAX_SYSTEM_INSTRUCTION_CHARS,
  PromptTemplateSchema,
  TemplateSettingsSchema,
  VariableDeclarationSchema,
  type FewShotConfig,
  type GuideSettings,
  type PromptTemplate,
  type TemplateSettings,
  type VariableDeclaration,
} from './template-schema.js';

/** Options of template validation. */
export interface ValidateTemplateOptions {
  /** Named in every error. */
  file?: string;
}

/** The schema below `schema` at `path` (through optional, default and record values), if any. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    current = current && unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[String(part)] as z.ZodType | undefined;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return current;
}

/** The schema inside optional and default wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The rule attached to the field at `path` (on the field's schema or inside its wrappers). */
function ruleAt(path: readonly PropertyKey[]): FieldRule | undefined {
  let schema = schemaAt(PromptTemplateSchema, path);
  while (schema) {
    const rule = FIELD_RULES.get(schema);
    if (rule) return rule;
    if (!(schema instanceof z.ZodOptional || schema instanceof z.ZodDefault)) return undefined;
    schema = schema.unwrap() as z.ZodType;
  }
  return undefined;
}

/** The error describing one schema issue. */
function errorFromIssue(issue: SchemaIssue, input: unknown, file: string | undefined): ValidationError {
  const path = issuePath(issue);
  const field = fieldOf(path) || 'template';
  const value = valueAt(input, path);
  if (issue.code === 'unrecognized_keys') {
    const owner = schemaAt(PromptTemplateSchema, issue.path);
    const object = owner && unwrap(owner);
    const allowed = object instanceof z.ZodObject ? Object.keys(object.shape) : [];
    const key = String(path[path.length - 1]);
    const guess = closestKey(key, allowed);
    const fix = guess
      ? `did you mean ${JSON.stringify(guess)}? (allowed here: ${allowed.join(', ')})`
      : `remove it (allowed here: ${allowed.join(', ')})`;
    return new ValidationError(field, problemOf(issue, value), fix, { file });
  }
  const rule = ruleAt(path);
  const numberOutOfRule =
    rule?.rule !== undefined &&
    typeof value === 'number' &&
    (issue.code !== 'invalid_type' || issue.expected === 'int');
  const problem = numberOutOfRule ? `${rule.rule} (got ${describeValue(value)})` : problemOf(issue, value);
  const fix = rule ? rule.fix(field) : `correct ${field}`;
  return new ValidationError(field, problem, fix, { file });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The problems that span fields, checked on whatever parts of the input are well formed. `broken`
 * holds the top-level fields that already have a schema problem; their cross-field checks are skipped.
 */
function crossFieldProblems(
  input: Record<string, unknown>,
  broken: ReadonlySet<string>,
  file: string | undefined,
): ValidationError[] {
  const problems: ValidationError[] = [];
  const { maxOutputTokens, contextWindowLimit } = input;
  if (
    typeof maxOutputTokens === 'number' &&
    typeof contextWindowLimit === 'number' &&
    !broken.has('maxOutputTokens') &&
    !broken.has('contextWindowLimit') &&
    maxOutputTokens >= contextWindowLimit
  ) {
    problems.push(
      new ValidationError(
        'maxOutputTokens',
        `must be less than contextWindowLimit (${maxOutputTokens} >= ${contextWindowLimit})`,
        'lower maxOutputTokens or raise contextWindowLimit, so that the prompt has room too',
        { file },
      ),
    );
  }
  for (const field of ['systemInstruction', 'userTemplate'] as const) {
    const text = input[field];
    if (typeof text !== 'string') continue;
    for (const bad of scanPlaceholders(text).filter((p) => !p.valid)) {
      problems.push(
        new ValidationError(
          field,
          `malformed placeholder ${JSON.stringify(bad.raw)}`,
          'write placeholders as {{name}}: letters, digits and underscores, not starting with a digit',
          { file },
        ),
      );
    }
  }
  const badName = (field: string, name: string): ValidationError =>
    new ValidationError(
      `${field}.${name}`,
      `${JSON.stringify(name)} is not a valid variable name`,
      'use letters, digits and underscores, not starting with a digit',
      { file },
    );
  if (isRecord(input.declarations)) {
    for (const [name, declaration] of Object.entries(input.declarations)) {
      if (!VARIABLE_NAME_RE.test(name)) problems.push(badName('declarations', name));
      if (!isRecord(declaration)) continue;
      const { default: fallback, maxLength } = declaration;
      if (typeof fallback !== 'string' || !Number.isInteger(maxLength) || (maxLength as number) < 1) continue;
      const length = [...fallback].length;
      if (length > (maxLength as number)) {
        problems.push(
          new ValidationError(
            `declarations.${name}.default`,
            `is ${length} characters long but maxLength is ${String(maxLength)}`,
            `shorten declarations.${name}.default or raise declarations.${name}.maxLength`,
            { file },
          ),
        );
      }
    }
  }
  if (isRecord(input.variables)) {
    for (const name of Object.keys(input.variables)) {
      if (!VARIABLE_NAME_RE.test(name)) problems.push(badName('variables', name));
    }
  }
  return problems;
}

/** The template's problems, and the typed template when there are none. */
function inspect(
  template: unknown,
  file: string | undefined,
): { problems: ValidationError[]; data?: PromptTemplate } {
  const parsed = PromptTemplateSchema.safeParse(template);
  const issues = parsed.success ? [] : orderedIssues(parsed.error.issues);
  const problems = issues.map((issue) => errorFromIssue(issue, template, file));
  if (!isRecord(template)) return { problems };
  const broken = new Set(issues.map((issue) => String(issuePath(issue)[0] ?? '')));
  problems.push(...crossFieldProblems(template, broken, file));
  return parsed.success && problems.length === 0 ? { problems, data: parsed.data } : { problems };
}

/**
 * Every problem of a template, in the order a user should read them: unknown keys first (a typo
 * there usually explains a "missing" field), then the other schema problems, then the rules that span
 * fields. Empty when the template is valid.
 * @param template anything, typically parsed YAML or JSON
 * @param options `file` is named in each error
 */
export function templateProblems(
  template: unknown,
  options: ValidateTemplateOptions = {},
): ValidationError[] {
  return inspect(template, options.file).problems;
}

/** Templates returned by `validatePromptSchema`: frozen, so still valid whenever they come back. */
const validated = new WeakSet<object>();

/**
 * Checked templates by content (`plainJsonKey`): a caller passing the same plain object again, or an
 * equal one, gets the same frozen template without a second check, and with it the token counts the
 * pipeline remembers per template. Bounded: starts again when full; larger templates are not kept.
 */
const checkedByContent = new Map<string, PromptTemplate>();
/**
 * The same object passed again: its content when it was checked (parsed back from its key) and the
 * template it gave. Comparing the object with that copy reads it without building its key.
 */
const checkedObjects = new WeakMap<object, { copy: unknown; typed: PromptTemplate }>();
const CHECKED_ENTRIES = 256;
const CHECKED_KEY_CHARS = 64 * 1024;
/** The keys kept hold at most this many characters in all (a few megabytes with the templates). */
const CHECKED_TOTAL_CHARS = 1024 * 1024;
let checkedChars = 0;

/** Freezes a template and every object inside it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Whether `template` is one that `validatePromptSchema` (or `loadTemplate`) returned: frozen and
 * known valid, so the pipeline does not check it again.
 */
export function isValidatedTemplate(template: unknown): template is PromptTemplate {
  return typeof template === 'object' && template !== null && validated.has(template);
}

/**
 * Checks a template and returns it typed, frozen (the original design returned `true`; the value is still
 * truthy). Unknown keys are errors, so a typo never passes silently. A template this function
 * returned is returned as is, without checking it again, and so is the template it returned for equal
 * plain JSON data (the same object passed again unchanged, or an equal copy).
 * @param template anything, typically parsed YAML or JSON
 * @param options `file` is named in the error message
 * @throws ValidationError for the first problem, naming the field path, the problem and the fix;
 *   its `problems` lists every problem of the template
 */
export function validatePromptSchema(
  template: unknown,
  options: ValidateTemplateOptions = {},
): PromptTemplate {
  if (isValidatedTemplate(template)) return template;
  const seen = typeof template === 'object' && template !== null ? checkedObjects.get(template) : undefined;
  if (seen !== undefined && sameContent(template, seen.copy)) return seen.typed;
  const key = plainJsonKey(template, CHECKED_KEY_CHARS);
  const known = key === undefined ? undefined : checkedByContent.get(key);
  if (key !== undefined && known !== undefined) {
    remember(template, key, known);
    return known;
  }
  const { problems, data } = inspect(template, options.file);
  const [first, ...others] = problems;
  if (first || !data) {
    throw first
      ? ValidationError.of([first, ...others])
      : new ValidationError('template', 'is invalid', 'check the template', { file: options.file });
  }
  const typed = deepFreeze(data);
  validated.add(typed);
  if (key !== undefined) {
    if (checkedByContent.size >= CHECKED_ENTRIES || checkedChars + key.length > CHECKED_TOTAL_CHARS) {
      checkedByContent.clear();
      checkedChars = 0;
    }
    checkedByContent.set(key, typed);
    checkedChars += key.length;
    remember(template, key, typed);
  }
  return typed;
}

/** `plainEqual`, false where reading the value throws (a getter). */
function sameContent(value: unknown, copy: unknown): boolean {
  try {
    return plainEqual(value, copy);
  } catch {
    return false;
  }
}

/** Remembers the object `template` (with content `key`) gave `typed`. */
function remember(template: unknown, key: string, typed: PromptTemplate): void {
  if (typeof template !== 'object' || template === null) return;
  const copy = (JSON.parse(key) as { value: unknown }).value;
  checkedObjects.set(template, { copy, typed });
}
