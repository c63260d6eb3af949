/**
 * Token counting. Exact BPE counts with gpt-tokenizer (o200k_base by default, cl100k_base
 * selectable); the seed's `chars x 0.25` heuristic stays available for comparison.
 *
 * The prompt-token definition used everywhere (budget, `maxTokens`, the emulator's usage) is
 * `countMessageTokens`: the sum of each message's content count, with no per-message overhead.
 */
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import type { PromptMessage } from '../contract/conversation.js';

/** Tokenizers `estimateTokens` can use; `heuristic` is the seed's chars x 0.25. */
export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'heuristic';

/** Counts the tokens of one text. */
export type TokenCounter = (text: string) => number;

/** The seed's ratio: a quarter of a token per character. */
export const HEURISTIC_TOKENS_PER_CHAR = 0.25;

/**
 * Special-token text such as `<|endoftext|>` in a prompt is ordinary text to us: counted as the
 * plain characters it is, never rejected (gpt-tokenizer throws on it by default).
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

const COUNTERS: Record<TokenizerName, TokenCounter> = {
  o200k_base: (text) => countO200k(text, PLAIN_TEXT),
  cl100k_base: (text) => countCl100k(text, PLAIN_TEXT),
  heuristic: (text) => Math.ceil(text.length * HEURISTIC_TOKENS_PER_CHAR),
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
