/**
 * How large the prompt pipeline's own inputs may be: template and examples files (refused before
 * they are read whole or parsed) and variable values (refused before they are interpolated or
 * counted). Every limit has a default and an option; `InputTooLargeError` names the option.
 */
import { ConfigurationError } from '../errors.js';

/** Sizes accepted from templates, examples files and variables. Each is a whole number of 1 or more. */
export interface PromptInputLimits {
  /** Largest template file in bytes (default 1 MiB; templates are a few KB). */
  maxTemplateBytes?: number;
  /** Largest few-shot examples file in bytes (default 16 MiB). */
  maxExamplesBytes?: number;
  /** Longest variable value in characters, UTF-16 code units (default 1 Mi, about 250,000 tokens). */
  maxVariableChars?: number;
}

/** The defaults: far above a legitimate prompt, far below what would stall the process. */
export const DEFAULT_PROMPT_INPUT_LIMITS: Readonly<Required<PromptInputLimits>> = Object.freeze({
  maxTemplateBytes: 1024 * 1024,
  maxExamplesBytes: 16 * 1024 * 1024,
  maxVariableChars: 1024 * 1024,
});

/**
 * One limit: the given value, checked, or its default.
 * @param limits the caller's limits
 * @param name which limit
 * @throws ConfigurationError when the value is not a whole number of 1 or more
 */
export function inputLimit(limits: PromptInputLimits | undefined, name: keyof PromptInputLimits): number {
  const value = limits?.[name];
  if (value === undefined) return DEFAULT_PROMPT_INPUT_LIMITS[name];
  if (!(Number.isSafeInteger(value) && value >= 1)) {
    throw new ConfigurationError(
      name,
      `must be a whole number of 1 or more (got ${String(value)})`,
      `set ${name} to a whole number, or leave it out for ${DEFAULT_PROMPT_INPUT_LIMITS[name]}`,
    );
  }
  return value;
}
