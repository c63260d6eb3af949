/**
 * Token counting. Exact BPE counts (o200k_base by default, cl100k_base selectable), linear in the
 * worst case, with rank tables loaded on the first count; the original design's `chars x 0.25` heuristic stays
 * available for comparison.
 *
 * The prompt-token definition used everywhere (budget, `maxTokens`, the emulator's usage) is
 * `countMessageTokens`: the sum of each message's content count, with no per-message overhead.
 */
import type { PromptMessage } from '../contract/conversation.js';
import { bytePairTokenCounter } from './byte-pair-counter.js';
import { heuristicTokenCount, type TokenCounter } from './token-counter.js';

export { HEURISTIC_TOKENS_PER_CHAR, type TokenCounter } from './token-counter.js';

/** Tokenizers `estimateTokens` can use; `heuristic` is the original design's chars x 0.25. */
export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'heuristic';

const COUNTERS: Record<TokenizerName, TokenCounter> = {
  o200k_base: bytePairTokenCounter('o200k_base'),
  cl100k_base: bytePairTokenCounter('cl100k_base'),
  heuristic: heuristicTokenCount,
};

/**
 * The counter of a tokenizer.
 * @param name `o200k_base`, `cl100k_base` or `heuristic`
 */
export function tokenCounter(name: TokenizerName = 'o200k_base'): TokenCounter {
  const counter = COUNTERS[name];
  if (!counter)
    throw new TypeError(
      `unknown tokenizer ${JSON.stringify(name)}; use o200k_base, cl100k_base or heuristic`,
    );
  return counter;
}

/**
 * Tokens of a text: exact BPE count, or `Math.ceil(chars * 0.25)` with `heuristic`.
 * @param text any text; special-token markers count as plain text
 * @param tokenizer default `o200k_base`
 */
export function estimateTokens(text: string, tokenizer: TokenizerName = 'o200k_base'): number {
  return tokenCounter(tokenizer)(text);
}

/**
 * Prompt tokens of a message list: the sum of `estimateTokens(content)`. This is THE prompt-token
 * definition of the library (the emulator counts usage the same way with o200k_base).
 * @param messages the messages to send
 * @param tokenizer default `o200k_base`
 */
export function countMessageTokens(
  messages: readonly PromptMessage[],
  tokenizer: TokenizerName = 'o200k_base',
): number {
  const count = tokenCounter(tokenizer);
  let total = 0;
  for (const message of messages) total += count(message.content);
  return total;
}
