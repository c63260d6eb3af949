/**
 * What a template becomes when it is deployed as an AI Studio guide: the version's `instruction` (the
 * system instruction, with the few-shot block when the template chooses its examples statically) and
 * its `variables` (every variable the template declares, holds or uses, typed, scope `Input`), checked
 * against the template's token budget before anything is sent. Pure: no I/O.
 */
import type { GuideSource, GuideVariable } from '../contract/guides.js';
import { TokenBudgetError, ValidationError } from '../errors.js';
import { injectFewShotContext, selectFewShotExamples, type FewShotExample } from '../prompt/few-shot.js';
import { DEFAULT_MAX_OUTPUT_TOKENS } from '../prompt/payload.js';
import { scanPlaceholders } from '../prompt/placeholders.js';
import { validatePromptSchema, type PromptTemplate } from '../prompt/template.js';
import { tokenCounter, type TokenizerName } from '../prompt/tokens.js';

/** `languageCode` of turns when the template names none. */
export const DEFAULT_GUIDE_LANGUAGE = 'en-us';
/** `source` of a guide a deploy creates when the template names none. */
export const DEFAULT_GUIDE_SOURCE: GuideSource = 'Prompt';

/** The guide a template describes. */
export interface GuideDefinition {
  /** The guide's name: the caller's, else `guide.name`, else the template's `id`, else the caller's fallback. */
  name: string;
  source: GuideSource;
  languageCode: string;
  /** The version's instruction: the system instruction (placeholders kept) and any static few-shot block. */
  instruction: string;
  /** The version's variables, in the order the template names them. */
  variables: GuideVariable[];
  /** Tokens of `instruction`, and the budget they were checked against. */
  instructionTokens: number;
  budgetTokens: number;
  /** How the few-shot examples were handled. */
  fewShot: { mode: 'none' | 'static' | 'per-message'; examples: number };
}

/** Options of `guideDefinitionFromTemplate`. */
export interface GuideDefinitionOptions {
  /** The guide's name, over the template's (`--guide <name>`). */
  name?: string;
  /** Name to use when the template has neither `guide.name` nor `id` (the CLI passes the file's base name). */
  fallbackName?: string;
  /** Tokenizer of the budget check (default `o200k_base`). */
  tokenizer?: TokenizerName;
  /** Named in errors. */
  file?: string;
}

/**
 * The guide a template describes.
 * @param template the prompt template (validated here)
 * @param examples candidates of the few-shot block; baked into the instruction only when the
 *   template's strategy is `rotation` (the default), since `similarity` chooses per user message
 * @param options fallback name, tokenizer, file
 * @throws ValidationError for a bad template, TokenBudgetError when the instruction does not fit
 */
export function guideDefinitionFromTemplate(
  template: PromptTemplate,
  examples: readonly FewShotExample[] = [],
  options: GuideDefinitionOptions = {},
): GuideDefinition {
  const valid = validatePromptSchema(template, options.file === undefined ? {} : { file: options.file });
  const count = tokenCounter(options.tokenizer);
  const limit = valid.contextWindowLimit;
  const reserve = Math.min(valid.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, Math.floor(limit / 2));
  const budgetTokens = limit - reserve;

  const base = valid.systemInstruction;
  const config = valid.fewShot ?? {};
  let chosen: FewShotExample[] = [];
  let mode: GuideDefinition['fewShot']['mode'] = 'none';
  if (examples.length > 0 && (config.count ?? 2) > 0) {
    if (config.strategy === 'similarity') {
      mode = 'per-message';
    } else {
      mode = 'static';
      chosen = selectFewShotExamples(examples, config.category, config.count ?? 2, {
        strategy: 'rotation',
        seed: config.seed ?? 0,
        budgetTokens: Math.max(0, budgetTokens - count(base)),
        ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
      });
    }
  }
  const instruction = injectFewShotContext(base, chosen);
  const instructionTokens = count(instruction);
  if (instructionTokens > budgetTokens) {
    throw new TokenBudgetError(
      instructionTokens,
      budgetTokens,
      ' (the guide instruction, few-shot block included)',
    );
  }
  const fallback = options.fallbackName?.trim();
  const override = options.name?.trim();
  const name =
    (override === undefined || override === '' ? undefined : override) ??
    valid.guide?.name ??
    valid.id ??
    (fallback === undefined || fallback === '' ? undefined : fallback);
  if (name === undefined) {
    throw new ValidationError(
      'guide.name',
      'is not set and the template has no id',
      'set guide.name (or id) in the template, or pass --guide <name>',
      options.file === undefined ? {} : { file: options.file },
    );
  }
  return {
    name,
    source: valid.guide?.source ?? DEFAULT_GUIDE_SOURCE,
    languageCode: valid.guide?.languageCode ?? DEFAULT_GUIDE_LANGUAGE,
    instruction,
    variables: guideVariablesOf(valid),
    instructionTokens,
    budgetTokens,
    fewShot: { mode, examples: chosen.length },
  };
}

/**
 * The guide variables of a template: every declared name, then every name with a value, then every
 * placeholder of the system instruction and user template; typed by the declaration (default
 * `String`), scope `Input`. The SDK's `Variable` has no default field, so a default is stated in the
 * description (and sent as the value of each turn that gives none).
 */
export function guideVariablesOf(template: PromptTemplate): GuideVariable[] {
  const names: string[] = [];
  const add = (name: string): void => {
    if (!names.includes(name)) names.push(name);
  };
  Object.keys(template.declarations ?? {}).forEach(add);
  Object.keys(template.variables).forEach(add);
  for (const text of [template.systemInstruction, template.userTemplate]) {
    for (const placeholder of scanPlaceholders(text)) if (placeholder.valid) add(placeholder.name);
  }
  return names.map((name) => {
    const declaration = template.declarations?.[name];
    const fallback = declaration?.default ?? template.variables[name];
    const parts = [
      declaration?.description?.trim(),
      fallback === undefined ? undefined : `(default: ${fallback})`,
    ];
    const description = parts.filter((p): p is string => p !== undefined && p !== '').join(' ');
    return {
      name,
      type: declaration?.type ?? 'String',
      scope: 'Input',
      ...(description === '' ? {} : { description }),
    };
  });
}
