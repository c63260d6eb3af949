/**
 * Keeps a message list inside a token budget. The original design dropped the oldest messages first, which
 * drops the system instruction first; here every system message and the newest user message are
 * pinned, and the oldest of the others go first.
 */
import type { MessageRole, PromptMessage } from '../contract/conversation.js';
import { TokenBudgetError, ValidationError } from '../errors.js';
import { tokenCounter, type TokenizerName } from './tokens.js';

/** What `enforceTokenBudget` kept and dropped. */
export interface BudgetReport {
  /** The kept messages, in their original order (copies; the input is never mutated). */
  messages: PromptMessage[];
  /** Each dropped message: its index in the input, role and token count, oldest first. */
  dropped: Array<{ index: number; role: MessageRole; tokens: number }>;
  /** Tokens of the kept messages (`countMessageTokens`). */
  promptTokens: number;
}

/**
 * Drops the oldest unpinned messages until the rest fit `budget` tokens. Pinned: every system
 * message and the newest user message. Order is kept.
 * @param messages the conversation so far, oldest first
 * @param budget prompt tokens allowed (a whole number, 0 or more)
 * @param options `tokenizer`, default `o200k_base`
 * @throws ValidationError when the budget is not a whole number of 0 or more
 * @throws TokenBudgetError when the pinned messages alone exceed the budget
 */
export function enforceTokenBudget(
  messages: readonly PromptMessage[],
  budget: number,
  options: { tokenizer?: TokenizerName } = {},
): BudgetReport {
  const count = tokenCounter(options.tokenizer);
  return trimToBudget(
    messages,
    messages.map((m) => count(m.content)),
    budget,
  );
}

/** Checks that a budget is a whole number of 0 or more. */
function checkBudget(budget: number): void {
  if (!Number.isInteger(budget) || budget < 0) {
    throw new ValidationError(
      'budget',
      `must be a whole number of 0 or more (got ${budget})`,
      'pass a token budget',
    );
  }
}

/**
 * `enforceTokenBudget` with the messages already counted (the pipeline counts some of them once per
 * template).
 * @param messages the conversation so far, oldest first
 * @param tokens the token count of each message, in the same order
 * @param budget prompt tokens allowed
 * @throws TokenBudgetError when the pinned messages alone exceed the budget
 */
export function trimToBudget(
  messages: readonly PromptMessage[],
  tokens: readonly number[],
  budget: number,
): BudgetReport {
  checkBudget(budget);
  const newestUser = messages.findLastIndex((m) => m.role === 'user');
  const pinned = messages.map((m, i) => m.role === 'system' || i === newestUser);

  let pinnedTokens = 0;
  let systemTokens = 0;
  let total = 0;
  tokens.forEach((t, i) => {
    total += t;
    if (pinned[i]) pinnedTokens += t;
    if (messages[i]?.role === 'system') systemTokens += t;
  });
  if (pinnedTokens > budget) {
    const userTokens = pinnedTokens - systemTokens;
    throw new TokenBudgetError(
      pinnedTokens,
      budget,
      ` (system messages ${systemTokens} tokens, newest user message ${userTokens} tokens)`,
    );
  }

  const keep = messages.map(() => true);
  const dropped: BudgetReport['dropped'] = [];
  for (let i = 0; i < messages.length && total > budget; i++) {
    const message = messages[i];
    if (pinned[i] || !message) continue;
    const t = tokens[i] ?? 0;
    keep[i] = false;
    total -= t;
    dropped.push({ index: i, role: message.role, tokens: t });
  }
  return {
    messages: messages.filter((_, i) => keep[i]).map((m) => ({ role: m.role, content: m.content })),
    dropped,
    promptTokens: total,
  };
}
