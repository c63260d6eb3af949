/**
 * The messages of a prompt before any budget: the template's system and user text interpolated,
 * and the caller's history checked against the wire contract.
 */
import { PromptMessageSchema, type PromptMessage } from '../contract/conversation.js';
import { InputTooLargeError, MissingVariablesError, ValidationError } from '../errors.js';
import { inputLimit } from './input-limits.js';
import { interpolate } from './interpolate.js';
import type { PromptTemplate } from './template.js';

/** Options shared by `buildPromptPayload` and `preparePrompt`. */
export interface RenderOptions {
  /** Values laid over `template.variables`. */
  variables?: Record<string, string>;
  /** `error` (default) or `placeholder` (`[MISSING_VARIABLE]`, the original design's behaviour). */
  missing?: 'error' | 'placeholder';
  /** Longest variable value in characters (UTF-16 code units); default 1 Mi. */
  maxVariableChars?: number;
}

/** The interpolated system instruction and user message of a template. */
export interface RenderedTemplate {
  system: string;
  user: string;
}

/**
 * Interpolates a (validated) template's system instruction and user template with
 * `template.variables` overlaid by `options.variables`. Missing names of both texts are reported
 * together in one `MissingVariablesError`.
 * @throws InputTooLargeError when a value is longer than `maxVariableChars` (before any work on it);
 *   MissingVariablesError; ValidationError when a message interpolates to blank text
 */
export function renderTemplate(template: PromptTemplate, options: RenderOptions = {}): RenderedTemplate {
  const values = { ...template.variables, ...options.variables };
  const maxChars = inputLimit({ maxVariableChars: options.maxVariableChars }, 'maxVariableChars');
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.length > maxChars) {
      throw new InputTooLargeError(`variables.${name}`, 'maxVariableChars', maxChars, 'characters', {
        size: value.length,
      });
    }
  }
  const interpolateOptions = { missing: options.missing, declarations: template.declarations };
  const missing: string[] = [];
  const render = (text: string): string => {
    try {
      return interpolate(text, values, interpolateOptions);
    } catch (error) {
      if (!(error instanceof MissingVariablesError)) throw error;
      for (const name of error.missing) if (!missing.includes(name)) missing.push(name);
      return '';
    }
  };
  const system = render(template.systemInstruction);
  const user = render(template.userTemplate);
  if (missing.length > 0) throw new MissingVariablesError(missing);
  if (system.trim() === '') {
    throw new ValidationError(
      'systemInstruction',
      'is blank once its variables are filled in',
      'give the variables of systemInstruction non-blank values',
    );
  }
  if (user.trim() === '') {
    throw new ValidationError(
      'userTemplate',
      'is blank once its variables are filled in',
      'give the variables of userTemplate non-blank values',
    );
  }
  return { system, user };
}

/**
 * The caller's earlier turns, checked: each a `{role, content}` with a known role and non-empty content.
 * @throws ValidationError on `history[i].<field>`
 */
export function checkHistory(history: readonly PromptMessage[] = []): PromptMessage[] {
  return history.map((message, index) => {
    const parsed = PromptMessageSchema.safeParse(message);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue?.path[0];
      const field = key === undefined ? `history[${index}]` : `history[${index}].${String(key)}`;
      throw new ValidationError(
        field,
        issue?.message ?? 'is invalid',
        'pass each history message as {role: "system" | "user" | "assistant", content: non-empty text}',
      );
    }
    return parsed.data;
  });
}
