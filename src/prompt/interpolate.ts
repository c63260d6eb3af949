/**
 * `{{variable}}` interpolation: one pass, strict by default (every missing name in one error).
 */
import { MissingVariablesError, ValidationError } from '../errors.js';
import { replacePlaceholders, scanPlaceholders } from './placeholders.js';
import type { VariableDeclaration } from './template.js';

/** What a missing value becomes with `missing: 'placeholder'` (the original design's behaviour). */
export const MISSING_VARIABLE_MARKER = '[MISSING_VARIABLE]';

/** Options of `interpolate`. */
export interface InterpolateOptions {
  /** `error` (default): throw `MissingVariablesError`; `placeholder`: write `[MISSING_VARIABLE]`. */
  missing?: 'error' | 'placeholder';
  /** Defaults, optional variables and length limits. */
  declarations?: Record<string, VariableDeclaration>;
  /** Named in error messages. */
  file?: string;
}

/**
 * Distinct names of the valid placeholders in a text, in order of first appearance.
 * Malformed ones (`{{ bad-name }}`) are not placeholders and are not listed.
 */
export function placeholdersOf(text: string): string[] {
  const names = new Set<string>();
  for (const placeholder of scanPlaceholders(text)) if (placeholder.valid) names.add(placeholder.name);
  return [...names];
}

/**
 * Replaces every `{{name}}` (whitespace inside the braces allowed) with its value, in one pass: a
 * value that itself contains `{{x}}` stays literal. An empty string is a value. A missing value takes
 * the declared `default`; a variable declared `required: false` with no default becomes `''`.
 * Malformed placeholders are left as written (`validatePromptSchema` rejects them in templates).
 * @param text the text with placeholders
 * @param values variable values (own properties only)
 * @param options missing-value mode, declarations, file for messages
 * @throws MissingVariablesError listing every missing name once, in order of appearance
 * @throws ValidationError on `variables.<name>` when a value exceeds its declared `maxLength`
 */
export function interpolate(
  text: string,
  values: Record<string, string>,
  options: InterpolateOptions = {},
): string {
  const { missing: mode = 'error', declarations = {}, file } = options;
  const missing: string[] = [];
  const result = replacePlaceholders(text, (name) => {
    const declaration = Object.hasOwn(declarations, name) ? declarations[name] : undefined;
    let value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) value = declaration?.default;
    if (value === undefined && declaration?.required === false) value = '';
    if (value === undefined) {
      if (!missing.includes(name)) missing.push(name);
      return MISSING_VARIABLE_MARKER;
    }
    const limit = declaration?.maxLength;
    const length = limit === undefined ? 0 : [...value].length;
    if (limit !== undefined && length > limit) {
      throw new ValidationError(
        `variables.${name}`,
        `is ${length} characters long but declarations.${name}.maxLength is ${limit}`,
        `shorten the value of ${name} to at most ${limit} characters`,
        { file },
      );
    }
    return value;
  });
  if (missing.length > 0 && mode === 'error') throw new MissingVariablesError(missing, { file });
  return result;
}
