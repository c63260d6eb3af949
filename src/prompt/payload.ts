/**
 * The original design's `buildPromptPayload`, corrected: strict interpolation, and `maxTokens` is the answer
 * allowance (never more than the context window leaves), not the context window itself.
 */
import type { ConversationCreateRequest, PromptMessage } from '../contract/conversation.js';
import { TokenBudgetError, ValidationError } from '../errors.js';
import { checkHistory, renderTemplate, type RenderOptions } from './render-template.js';
import { validatePromptSchema, type PromptTemplate } from './template.js';
import { countMessageTokens, type TokenizerName } from './tokens.js';

/** Answer allowance when the template sets no `maxOutputTokens`. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 2048;
/** Temperature when the template sets none (the original design's). */
export const DEFAULT_TEMPERATURE = 0.2;
/** Safety policy when the template sets none (the original design's). */
export const DEFAULT_SAFETY_POLICY = 'strict';

/** Options of `buildPromptPayload`. */
export interface BuildPayloadOptions extends RenderOptions {
  /** Default `o200k_base`. */
  tokenizer?: TokenizerName;
  /** Earlier turns, placed between the system instruction and the new user message. */
  history?: PromptMessage[];
}

/** Checks the assistant id (the path and body must carry the same non-empty id). */
export function checkAssistantId(assistantId: string): string {
  if (typeof assistantId !== 'string' || assistantId.trim() === '') {
    throw new ValidationError(
      'assistantId',
      'must not be empty',
      'pass the id of the AI assistant (--assistant)',
    );
  }
  return assistantId;
}

/**
 * The answer allowance: `min(maxOutputTokens ?? 2048, contextWindowLimit - promptTokens)`.
 * @throws TokenBudgetError when less than 1 token is left for the answer
 */
export function answerAllowance(template: PromptTemplate, promptTokens: number): number {
  const left = template.contextWindowLimit - promptTokens;
  const maxTokens = Math.min(template.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, left);
  if (maxTokens < 1) {
    throw new TokenBudgetError(
      promptTokens,
      template.contextWindowLimit,
      ' (the whole prompt; no token is left for the answer)',
    );
  }
  return maxTokens;
}

/**
 * The request body in the original design's exact shape and key order:
 * `{assistantId, messages, settings: {maxTokens, temperature, safetyPolicy}}`.
 */
export function assemblePayload(
  template: PromptTemplate,
  assistantId: string,
  messages: PromptMessage[],
  maxTokens: number,
): ConversationCreateRequest {
  return {
    assistantId,
    messages: messages.map((m) => ({ role: m.role, content: m.content })),
    settings: {
      maxTokens,
      temperature: template.settings?.temperature ?? DEFAULT_TEMPERATURE,
      safetyPolicy: template.settings?.safetyPolicy ?? DEFAULT_SAFETY_POLICY,
    },
  };
}

/**
 * Builds the create-conversation body: validates the template, interpolates the system instruction
 * and user message (template variables overlaid by `options.variables`), places `history` between
 * them, and sets `maxTokens = min(maxOutputTokens ?? 2048, contextWindowLimit - promptTokens)`.
 * Does not trim history or add few-shot examples (`preparePrompt` does).
 * @param template the prompt template (validated here)
 * @param assistantId the AI assistant
 * @param options variables, missing-variable mode, tokenizer, history
 * @throws ValidationError, MissingVariablesError, TokenBudgetError
 */
export function buildPromptPayload(
  template: PromptTemplate,
  assistantId: string,
  options: BuildPayloadOptions = {},
): ConversationCreateRequest {
  const valid = validatePromptSchema(template);
  checkAssistantId(assistantId);
  const { system, user } = renderTemplate(valid, options);
  const messages: PromptMessage[] = [
    { role: 'system', content: system },
    ...checkHistory(options.history),
    { role: 'user', content: user },
  ];
  const maxTokens = answerAllowance(valid, countMessageTokens(messages, options.tokenizer));
  return assemblePayload(valid, assistantId, messages, maxTokens);
}
