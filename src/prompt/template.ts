/**
 * The prompt template (the seed's four fields plus the optional ones of PRODUCT.md 3) and its
 * validation. Every problem becomes one `ValidationError` naming the field, the problem and the fix.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { scanPlaceholders, VARIABLE_NAME_RE } from './placeholders.js';
import {
  closestKey,
  describeValue,
  fieldOf,
  firstIssue,
  issuePath,
  problemOf,
  valueAt,
  type SchemaIssue,
} from './schema-issue.js';

/** Declaration of one template variable. */
export interface VariableDeclaration {
  /** A missing value is an error (default true); when false and no default, it becomes `''`. */
  required?: boolean;
  /** Longest accepted value, in characters (Unicode code points). */
  maxLength?: number;
  description?: string;
  /** Used when no value is given. */
  default?: string;
}

/** How few-shot examples are chosen for a template. */
export interface FewShotConfig {
  /** Path of a YAML/JSON examples file, relative to the template file. */
  examples?: string;
  /** Default `rotation` (seeded); `similarity` ranks by BM25 against the user message. */
  strategy?: 'rotation' | 'similarity';
  /** Default 2. */
  count?: number;
  /** Only examples of this category; all when omitted. */
  category?: string;
  /** Seed of the rotation (default 0). */
  seed?: number;
}

/** A prompt template. `variables` holds values; `declarations` says what each variable accepts. */
export interface PromptTemplate {
  systemInstruction: string;
  userTemplate: string;
  variables: Record<string, string>;
  /** Total budget: prompt tokens + answer tokens. */
  contextWindowLimit: number;
  id?: string;
  version?: string;
  /** Answer allowance (default 2048, never more than what the prompt leaves). */
  maxOutputTokens?: number;
  declarations?: Record<string, VariableDeclaration>;
  settings?: { temperature?: number; safetyPolicy?: 'strict' | 'standard' };
  fewShot?: FewShotConfig;
}

/** Longest system instruction accepted (the seed's limit), in characters. */
export const MAX_SYSTEM_INSTRUCTION_CHARS = 4096;
/** Largest context window accepted (the seed's limit), in tokens. */
export const MAX_CONTEXT_WINDOW_TOKENS = 32000;

const notBlank = (s: string): boolean => s.trim().length > 0;

/** Schema of one variable declaration. */
export const VariableDeclarationSchema = z.strictObject({
  required: z.boolean().optional(),
  maxLength: z.number().int().positive().optional(),
  description: z.string().optional(),
  default: z.string().optional(),
});

/** Schema of `settings`. */
export const TemplateSettingsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  safetyPolicy: z.enum(['strict', 'standard']).optional(),
});

/** Schema of `fewShot`. */
export const FewShotConfigSchema = z.strictObject({
  examples: z.string().refine(notBlank, { message: 'must not be empty' }).optional(),
  strategy: z.enum(['rotation', 'similarity']).optional(),
  count: z.number().int().nonnegative().optional(),
  category: z.string().refine(notBlank, { message: 'must not be empty' }).optional(),
  seed: z.number().int().optional(),
});

/** Schema of a whole template (structure only; `validatePromptSchema` adds the cross-field rules). */
export const PromptTemplateSchema = z.strictObject({
  id: z.string().refine(notBlank, { message: 'must not be empty' }).optional(),
  version: z.string().refine(notBlank, { message: 'must not be empty' }).optional(),
  systemInstruction: z
    .string()
    .max(MAX_SYSTEM_INSTRUCTION_CHARS)
    .refine(notBlank, { message: 'must not be empty' }),
  userTemplate: z.string().refine(notBlank, { message: 'must not be empty' }),
  variables: z.record(z.string(), z.string()).default({}),
  contextWindowLimit: z.number().int().positive().max(MAX_CONTEXT_WINDOW_TOKENS),
  maxOutputTokens: z.number().int().positive().optional(),
  declarations: z.record(z.string(), VariableDeclarationSchema).optional(),
  settings: TemplateSettingsSchema.optional(),
  fewShot: FewShotConfigSchema.optional(),
});

/** Keys allowed in each object of a template, by field pattern (`*` is any variable name). */
const ALLOWED_KEYS: Record<string, readonly string[]> = {
  '': Object.keys(PromptTemplateSchema.shape),
  settings: Object.keys(TemplateSettingsSchema.shape),
  fewShot: Object.keys(FewShotConfigSchema.shape),
  'declarations.*': Object.keys(VariableDeclarationSchema.shape),
};

/** What to do about a field, and for range checks the rule in words. */
interface FieldRule {
  fix: (field: string) => string;
  rule?: string;
}

const quote = (field: string): string => `quote ${field} so it is a string`;
const RULES: Record<string, FieldRule> = {
  '': {
    fix: () => 'write the template as a mapping with systemInstruction, userTemplate and contextWindowLimit',
  },
  id: { fix: (f) => `${quote(f)} (or remove it)` },
  version: { fix: (f) => `${quote(f)}, e.g. version: "1.0" (or remove it)` },
  systemInstruction: {
    fix: () => `write a system instruction of 1 to ${MAX_SYSTEM_INSTRUCTION_CHARS} characters`,
  },
  userTemplate: {
    fix: () => 'write the user message, e.g. userTemplate: "Explain the refund policy for {{productType}}."',
  },
  variables: { fix: () => 'set variables to a mapping of names to string values ({} for none)' },
  'variables.*': { fix: quote },
  contextWindowLimit: {
    rule: `must be a whole number from 1 to ${MAX_CONTEXT_WINDOW_TOKENS}`,
    fix: () => `set contextWindowLimit to a whole number from 1 to ${MAX_CONTEXT_WINDOW_TOKENS}`,
  },
  maxOutputTokens: {
    rule: 'must be a whole number of 1 or more',
    fix: () => 'set maxOutputTokens to a whole number below contextWindowLimit (or remove it for 2048)',
  },
  declarations: {
    fix: () =>
      'set declarations to a mapping of variable names to {required, maxLength, description, default}',
  },
  'declarations.*': { fix: (f) => `set ${f} to a mapping with required, maxLength, description or default` },
  'declarations.*.required': { fix: (f) => `set ${f} to true or false` },
  'declarations.*.maxLength': {
    rule: 'must be a whole number of 1 or more',
    fix: (f) => `set ${f} to a whole number of 1 or more`,
  },
  'declarations.*.description': { fix: quote },
  'declarations.*.default': { fix: quote },
  settings: { fix: () => 'set settings to a mapping with temperature and safetyPolicy' },
  'settings.temperature': {
    rule: 'must be between 0 and 2',
    fix: () => 'set settings.temperature to a number from 0 to 2',
  },
  'settings.safetyPolicy': { fix: () => 'set settings.safetyPolicy to "strict" or "standard"' },
  fewShot: { fix: () => 'set fewShot to a mapping with examples, strategy, count, category and seed' },
  'fewShot.examples': {
    fix: () => 'set fewShot.examples to the path of a YAML or JSON examples file, relative to the template',
  },
  'fewShot.strategy': { fix: () => 'set fewShot.strategy to "rotation" or "similarity"' },
  'fewShot.count': {
    rule: 'must be a whole number of 0 or more',
    fix: () => 'set fewShot.count to a whole number of 0 or more',
  },
  'fewShot.category': {
    fix: () => 'set fewShot.category to a category name, or remove it to use every category',
  },
  'fewShot.seed': { rule: 'must be a whole number', fix: () => 'set fewShot.seed to a whole number' },
};

/** The rule pattern of a path: the name under `variables` or `declarations` becomes `*`. */
function patternOf(path: readonly PropertyKey[]): string {
  const parts = path.map(String);
  if ((parts[0] === 'variables' || parts[0] === 'declarations') && parts.length > 1) parts[1] = '*';
  return parts.join('.');
}

/** The one error describing a schema issue. */
function errorFromIssue(issue: SchemaIssue, input: unknown, file: string | undefined): ValidationError {
  const path = issuePath(issue);
  const field = fieldOf(path) || 'template';
  const value = valueAt(input, path);
  if (issue.code === 'unrecognized_keys') {
    const allowed = ALLOWED_KEYS[patternOf(issue.path)] ?? [];
    const key = String(path[path.length - 1]);
    const guess = closestKey(key, allowed);
    const fix = guess
      ? `did you mean ${JSON.stringify(guess)}? (allowed here: ${allowed.join(', ')})`
      : `remove it (allowed here: ${allowed.join(', ')})`;
    return new ValidationError(field, problemOf(issue, value), fix, { file });
  }
  const rule = RULES[patternOf(path)];
  const numberOutOfRule =
    rule?.rule !== undefined &&
    typeof value === 'number' &&
    (issue.code !== 'invalid_type' || issue.expected === 'int');
  const problem = numberOutOfRule ? `${rule.rule} (got ${describeValue(value)})` : problemOf(issue, value);
  const fix = rule ? rule.fix(field) : `correct ${field}`;
  return new ValidationError(field, problem, fix, { file });
}

/** The first cross-field problem of a structurally valid template, if any. */
function crossFieldError(template: PromptTemplate, file: string | undefined): ValidationError | undefined {
  if (template.maxOutputTokens !== undefined && template.maxOutputTokens >= template.contextWindowLimit) {
    return new ValidationError(
      'maxOutputTokens',
      `must be less than contextWindowLimit (${template.maxOutputTokens} >= ${template.contextWindowLimit})`,
      'lower maxOutputTokens or raise contextWindowLimit, so that the prompt has room too',
      { file },
    );
  }
  for (const field of ['systemInstruction', 'userTemplate'] as const) {
    const bad = scanPlaceholders(template[field]).find((p) => !p.valid);
    if (bad) {
      return new ValidationError(
        field,
        `malformed placeholder ${JSON.stringify(bad.raw)}`,
        'write placeholders as {{name}}: letters, digits and underscores, not starting with a digit',
        { file },
      );
    }
  }
  for (const [name, declaration] of Object.entries(template.declarations ?? {})) {
    if (!VARIABLE_NAME_RE.test(name)) {
      return new ValidationError(
        `declarations.${name}`,
        `${JSON.stringify(name)} is not a valid variable name`,
        'use letters, digits and underscores, not starting with a digit',
        { file },
      );
    }
    const { default: fallback, maxLength } = declaration;
    if (fallback !== undefined && maxLength !== undefined && [...fallback].length > maxLength) {
      return new ValidationError(
        `declarations.${name}.default`,
        `is ${[...fallback].length} characters long but maxLength is ${maxLength}`,
        `shorten declarations.${name}.default or raise declarations.${name}.maxLength`,
        { file },
      );
    }
  }
  for (const name of Object.keys(template.variables)) {
    if (!VARIABLE_NAME_RE.test(name)) {
      return new ValidationError(
        `variables.${name}`,
        `${JSON.stringify(name)} is not a valid variable name`,
        'use letters, digits and underscores, not starting with a digit',
        { file },
      );
    }
  }
  return undefined;
}

/**
 * Checks a template and returns it typed (the seed returned `true`; the value is still truthy).
 * Unknown keys are errors, so a typo never passes silently. Only the first problem is reported.
 * @param template anything, typically parsed YAML or JSON
 * @param options `file` is named in the error message
 * @throws ValidationError naming the field path, the problem and the fix
 */
export function validatePromptSchema(template: unknown, options: { file?: string } = {}): PromptTemplate {
  const parsed = PromptTemplateSchema.safeParse(template);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error.issues);
    throw issue
      ? errorFromIssue(issue, template, options.file)
      : new ValidationError('template', 'is invalid', 'check the template', { file: options.file });
  }
  const typed: PromptTemplate = parsed.data;
  const problem = crossFieldError(typed, options.file);
  if (problem) throw problem;
  return typed;
}
