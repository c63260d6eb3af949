/**
 * Token counts remembered per template: the texts a template yields again and again (its system
 * instruction once interpolated, few-shot blocks, the two joined) are counted once per template and
 * tokenizer, not once per injection. Only templates `validatePromptSchema` returned are remembered:
 * they are frozen, so the cache can never describe a template that changed. Entries are keyed by the
 * text itself, so a count is always the count of exactly that text.
 */
import { isValidatedTemplate, type PromptTemplate } from './template.js';
import type { TokenCounter } from './token-counter.js';
import { tokenCounter, type TokenizerName } from './tokens.js';

/** Texts remembered per template and tokenizer; the cache starts again when full. */
const ENTRIES_PER_TEMPLATE = 2048;
/** Longer texts are counted each time (they are rarely repeated, and would hold memory). */
const LONGEST_TEXT = 64 * 1024;

const caches = new WeakMap<PromptTemplate, Map<TokenizerName, TokenCounter>>();

/**
 * A counter for texts derived from `template`: remembers counts when the template is a validated
 * (frozen) one, otherwise the tokenizer's own counter.
 * @param template the template the texts come from
 * @param tokenizer default `o200k_base`
 */
export function templateTokenCounter(
  template: PromptTemplate,
  tokenizer: TokenizerName = 'o200k_base',
): TokenCounter {
  const count = tokenCounter(tokenizer);
  if (!isValidatedTemplate(template)) return count;
  let counters = caches.get(template);
  if (!counters) {
    counters = new Map();
    caches.set(template, counters);
  }
  let cached = counters.get(tokenizer);
  if (!cached) {
    const counts = new Map<string, number>();
    cached = (text) => {
      if (text.length > LONGEST_TEXT) return count(text);
      let tokens = counts.get(text);
      if (tokens === undefined) {
        tokens = count(text);
        if (counts.size >= ENTRIES_PER_TEMPLATE) counts.clear();
        counts.set(text, tokens);
      }
      return tokens;
    };
    counters.set(tokenizer, cached);
  }
  return cached;
}
