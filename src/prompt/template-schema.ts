/**
 * The prompt template, declared once: each field's zod schema carries its rule in words and its fix
 * (attached with `FIELD_RULES`), and the TypeScript types are derived from the schemas.
 */
import { z } from 'zod';
import { GuideSourceSchema } from '../contract/guides.js';

/** What a field accepts, said to a user: the fix, and for range checks the rule in words. */
export interface FieldRule {
  /** What to do, given the field's path as the user writes it (`declarations.x.maxLength`). */
  fix: (field: string) => string;
  /** The rule, for numbers out of range: `must be a whole number from 1 to 2000000`. */
  rule?: string;
}

/** The rule attached to each field's schema; `template-problems.ts` reads it back per issue. */
export const FIELD_RULES = z.registry<FieldRule>();

/** Attaches `rule` to `schema` and returns the schema. */
function ruled<T extends z.ZodType>(schema: T, rule: FieldRule): T {
  FIELD_RULES.add(schema, rule);
  return schema;
}

/** Longest system instruction accepted (the original design's limit), in characters. */
export const MAX_SYSTEM_INSTRUCTION_CHARS = 4096;
/** Largest context window accepted, in tokens (the largest windows models offer today). */
export const MAX_CONTEXT_WINDOW_TOKENS = 2_000_000;

const notBlank = (s: string): boolean => s.trim().length > 0;
const nonBlankString = (): z.ZodString => z.string().refine(notBlank, { message: 'must not be empty' });
const quote = (field: string): string => `quote ${field} so it is a string`;

/** Schema of one variable declaration. */
export const VariableDeclarationSchema = ruled(
  z.strictObject({
    /** A missing value is an error (default true); when false and no default, it becomes `''`. */
    required: ruled(z.boolean(), { fix: (f) => `set ${f} to true or false` }).optional(),
    /** Longest accepted value, in characters (Unicode code points). */
    maxLength: ruled(z.number().int().positive(), {
      rule: 'must be a whole number of 1 or more',
      fix: (f) => `set ${f} to a whole number of 1 or more`,
    }).optional(),
    /** What the variable is for. */
    description: ruled(z.string(), { fix: quote }).optional(),
    /** Used when no value is given. */
    default: ruled(z.string(), { fix: quote }).optional(),
    /** The value's type when the template is deployed as an AI Studio guide (default `String`). */
    type: ruled(z.enum(['String', 'Integer', 'Number', 'Boolean', 'Date']), {
      fix: (f) => `set ${f} to String, Integer, Number, Boolean or Date`,
    }).optional(),
  }),
  { fix: (f) => `set ${f} to a mapping with required, maxLength, description, default or type` },
);

/** Schema of `guide`: how the template is deployed and talked to as an AI Studio guide. */
export const GuideSettingsSchema = ruled(
  z.strictObject({
    /** The guide's name (default: the template's `id`, else the file name). */
    name: ruled(nonBlankString().max(200), {
      fix: (f) => `set ${f} to a name of 1 to 200 characters`,
    }).optional(),
    /** `languageCode` of each turn (default `en-us`). */
    languageCode: ruled(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/), {
      fix: (f) => `set ${f} to a language tag such as en-us`,
    }).optional(),
    /** `source` of a guide created by a deploy (default `Prompt`). */
    source: ruled(GuideSourceSchema, {
      fix: (f) => `set ${f} to Manual, Prompt, Document or Transcripts`,
    }).optional(),
  }),
  { fix: () => 'set guide to a mapping with name, languageCode and source' },
);

/** Schema of `settings`. */
export const TemplateSettingsSchema = ruled(
  z.strictObject({
    /** Sampling temperature, 0 to 2 (default 0.2). */
    temperature: ruled(z.number().min(0).max(2), {
      rule: 'must be between 0 and 2',
      fix: () => 'set settings.temperature to a number from 0 to 2',
    }).optional(),
    /** Default `strict`. */
    safetyPolicy: ruled(z.enum(['strict', 'standard']), {
      fix: () => 'set settings.safetyPolicy to "strict" or "standard"',
    }).optional(),
  }),
  { fix: () => 'set settings to a mapping with temperature and safetyPolicy' },
);

/** Schema of `fewShot`. */
export const FewShotConfigSchema = ruled(
  z.strictObject({
    /** Path of a YAML/JSON examples file, relative to the template file. */
    examples: ruled(nonBlankString(), {
      fix: () => 'set fewShot.examples to the path of a YAML or JSON examples file, relative to the template',
    }).optional(),
    /** Default `rotation` (seeded); `similarity` ranks by BM25 against the user message. */
    strategy: ruled(z.enum(['rotation', 'similarity']), {
      fix: () => 'set fewShot.strategy to "rotation" or "similarity"',
    }).optional(),
    /** Default 2. */
    count: ruled(z.number().int().nonnegative(), {
      rule: 'must be a whole number of 0 or more',
      fix: () => 'set fewShot.count to a whole number of 0 or more',
    }).optional(),
    /** Only examples of this category; all when omitted. */
    category: ruled(nonBlankString(), {
      fix: () => 'set fewShot.category to a category name, or remove it to use every category',
    }).optional(),
    /** Seed of the rotation (default 0). */
    seed: ruled(z.number().int(), {
      rule: 'must be a whole number',
      fix: () => 'set fewShot.seed to a whole number',
    }).optional(),
  }),
  { fix: () => 'set fewShot to a mapping with examples, strategy, count, category and seed' },
);

/**
 * Schema of a whole template: the original design's four fields and the optional ones. Structure only;
 * `validatePromptSchema` adds the rules that span fields.
 */
export const PromptTemplateSchema = ruled(
  z.strictObject({
    /** A name for the template, shown in reports and audit entries. */
    id: ruled(nonBlankString(), { fix: (f) => `${quote(f)} (or remove it)` }).optional(),
    /** The template's version, a string (`"1.0"`). */
    version: ruled(nonBlankString(), {
      fix: (f) => `${quote(f)}, e.g. version: "1.0" (or remove it)`,
    }).optional(),
    /** The system instruction; may hold `{{placeholders}}`. */
    systemInstruction: ruled(nonBlankString().max(MAX_SYSTEM_INSTRUCTION_CHARS), {
      fix: () => `write a system instruction of 1 to ${MAX_SYSTEM_INSTRUCTION_CHARS} characters`,
    }),
    /** The user message; may hold `{{placeholders}}`. */
    userTemplate: ruled(nonBlankString(), {
      fix: () =>
        'write the user message, e.g. userTemplate: "Explain the refund policy for {{productType}}."',
    }),
    /** Variable values (`{}` when omitted); values given at injection time are laid over them. */
    variables: ruled(z.record(z.string(), ruled(z.string(), { fix: quote })), {
      fix: () => 'set variables to a mapping of names to string values ({} for none)',
    }).default({}),
    /** Total budget: prompt tokens + answer tokens. */
    contextWindowLimit: ruled(z.number().int().positive().max(MAX_CONTEXT_WINDOW_TOKENS), {
      rule: `must be a whole number from 1 to ${MAX_CONTEXT_WINDOW_TOKENS}`,
      fix: () => `set contextWindowLimit to a whole number from 1 to ${MAX_CONTEXT_WINDOW_TOKENS}`,
    }),
    /** Answer allowance (default 2048, never more than what the prompt leaves). */
    maxOutputTokens: ruled(z.number().int().positive(), {
      rule: 'must be a whole number of 1 or more',
      fix: () => 'set maxOutputTokens to a whole number below contextWindowLimit (or remove it for 2048)',
    }).optional(),
    /** What each variable accepts. */
    declarations: ruled(z.record(z.string(), VariableDeclarationSchema), {
      fix: () =>
        'set declarations to a mapping of variable names to {required, maxLength, description, default, type}',
    }).optional(),
    /** Temperature and safety policy of the request. */
    settings: TemplateSettingsSchema.optional(),
    /** How few-shot examples are chosen. */
    fewShot: FewShotConfigSchema.optional(),
    /** Deployment as an AI Studio guide (`genesys-prompt guide deploy`, `backend: 'guides'`). */
    guide: GuideSettingsSchema.optional(),
  }),
  {
    fix: () => 'write the template as a mapping with systemInstruction, userTemplate and contextWindowLimit',
  },
);

/** Declaration of one template variable. */
export type VariableDeclaration = z.output<typeof VariableDeclarationSchema>;
/** `settings` of a template. */
export type TemplateSettings = z.output<typeof TemplateSettingsSchema>;
/** How few-shot examples are chosen for a template. */
export type FewShotConfig = z.output<typeof FewShotConfigSchema>;
/** `guide` of a template. */
export type GuideSettings = z.output<typeof GuideSettingsSchema>;
/** A prompt template. `variables` holds values; `declarations` says what each variable accepts. */
export type PromptTemplate = z.output<typeof PromptTemplateSchema>;
