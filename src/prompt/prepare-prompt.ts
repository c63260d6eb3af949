/**
 * The whole prompt pipeline the injector calls: validate, interpolate, choose few-shot examples that
 * fit, inject them, trim history to the budget, and size the answer allowance so that
 * `promptTokens + maxTokens <= contextWindowLimit` always holds.
 */
import type { ConversationCreateRequest, PromptMessage } from '../contract/conversation.js';
import { injectFewShotContext, selectFewShotExamples, type FewShotExample } from './few-shot.js';
import {
  answerAllowance,
  assemblePayload,
  checkAssistantId,
  DEFAULT_MAX_OUTPUT_TOKENS,
  type BuildPayloadOptions,
} from './payload.js';
import { checkHistory, renderTemplate } from './render-template.js';
import { templateTokenCounter } from './template-token-cache.js';
import { trimToBudget, type BudgetReport } from './token-budget.js';
import { validatePromptSchema, type PromptTemplate } from './template.js';
import { tokenCounter } from './tokens.js';

/** What `preparePrompt` produced, ready to send. */
export interface PreparedPrompt {
  /** The create-conversation body. */
  payload: ConversationCreateRequest;
  /** Tokens of `payload.messages` (`countMessageTokens`). */
  promptTokens: number;
  /** `payload.settings.maxTokens`. */
  maxTokens: number;
  /** History messages dropped to fit, oldest first (indices into `[system, ...history, user]`). */
  dropped: BudgetReport['dropped'];
  /** The few-shot examples injected into the system instruction, in order. */
  examples: FewShotExample[];
}

/** Options of `preparePrompt` (the same as `buildPromptPayload`'s). */
export type PreparePromptOptions = BuildPayloadOptions;

/**
 * Prepares one injection.
 * 1. Validate the template (once: a template `loadTemplate` or `validatePromptSchema` returned is
 *    not checked again); interpolate the system instruction and user message.
 * 2. Reserve `min(maxOutputTokens ?? 2048, floor(contextWindowLimit / 2))` tokens for the answer;
 *    the prompt budget is the rest.
 * 3. Choose few-shot examples (the template's `fewShot` strategy, count, category and seed; rotation,
 *    2, seed 0, every category when it has none) whose block fits the budget left by the system
 *    instruction and user message, ranked against the user message; inject them in the original design's format.
 * 4. Trim history with `enforceTokenBudget` (system and newest user message pinned).
 * 5. `maxTokens = min(maxOutputTokens ?? 2048, contextWindowLimit - promptTokens)`.
 * The texts a template yields on every injection (its interpolated system instruction, few-shot
 * blocks) are counted once per template; the user message and history are counted per injection.
 * @param template the prompt template (validated here)
 * @param assistantId the AI assistant
 * @param fewShotExamples candidates; none are injected when empty
 * @param options variables, missing-variable mode, tokenizer, history
 * @throws ValidationError, MissingVariablesError, TokenBudgetError (nothing to send)
 */
export function preparePrompt(
  template: PromptTemplate,
  assistantId: string,
  fewShotExamples: readonly FewShotExample[] = [],
  options: PreparePromptOptions = {},
): PreparedPrompt {
  const valid = validatePromptSchema(template);
  checkAssistantId(assistantId);
  const { system, user } = renderTemplate(valid, options);
  const history = checkHistory(options.history);
  const count = tokenCounter(options.tokenizer);
  const countTemplateText = templateTokenCounter(valid, options.tokenizer);

  const limit = valid.contextWindowLimit;
  const reserve = Math.min(valid.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS, Math.floor(limit / 2));
  const promptBudget = limit - reserve;
  const userTokens = count(user);

  let examples: FewShotExample[] = [];
  if (fewShotExamples.length > 0) {
    const config = valid.fewShot ?? {};
    examples = selectFewShotExamples(fewShotExamples, config.category, config.count ?? 2, {
      strategy: config.strategy ?? 'rotation',
      seed: config.seed ?? 0,
      query: user,
      budgetTokens: promptBudget - countTemplateText(system) - userTokens,
      tokenizer: options.tokenizer,
      countTokens: countTemplateText,
    });
    // BPE is not additive across the join; re-count the real text and drop the last example until it fits.
    while (
      examples.length > 0 &&
      countTemplateText(injectFewShotContext(system, examples)) + userTokens > promptBudget
    ) {
      examples = examples.slice(0, -1);
    }
  }

  const systemText = injectFewShotContext(system, examples);
  const messages: PromptMessage[] = [
    { role: 'system', content: systemText },
    ...history,
    { role: 'user', content: user },
  ];
  const tokens = [countTemplateText(systemText), ...history.map((m) => count(m.content)), userTokens];
  const budget = trimToBudget(messages, tokens, promptBudget);
  const maxTokens = answerAllowance(valid, budget.promptTokens);
  return {
    payload: assemblePayload(valid, assistantId, budget.messages, maxTokens),
    promptTokens: budget.promptTokens,
    maxTokens,
    dropped: budget.dropped,
    examples,
  };
}
