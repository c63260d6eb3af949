/**
 * Few-shot examples: seeded rotation or BM25 similarity, never more than the token budget holds,
 * injected into the system instruction in exactly the original design's format.
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { Bm25Index } from './bm25.js';
import { formatExampleText, joinedText } from './few-shot-text.js';
import { seededSample } from '../seeded-random.js';
import type { TokenCounter } from './token-counter.js';
import { tokenCounter, type TokenizerName } from './tokens.js';

/** One example input and output, with the category it belongs to. */
export interface FewShotExample {
  input: string;
  output: string;
  category: string;
}

/** Schema of one example (unknown keys are errors, as in templates). */
export const FewShotExampleSchema = z.strictObject({
  input: z.string().min(1),
  output: z.string().min(1),
  category: z.string().min(1),
});

/** Options of `selectFewShotExamples`. */
export interface FewShotSelectOptions {
  /** Default `rotation`. */
  strategy?: 'rotation' | 'similarity';
  /** Rotation seed (default 0): same seed, same choice. */
  seed?: number;
  /** Text the `similarity` strategy ranks example inputs against (the user message). */
  query?: string;
  /** Most tokens the injected block may take, header and separators included; no limit when omitted. */
  budgetTokens?: number;
  /** Tokenizer of the budget, default `o200k_base`. */
  tokenizer?: TokenizerName;
  /** Counts the blocks instead of `tokenizer`'s counter (e.g. one that remembers repeated blocks). */
  countTokens?: TokenCounter;
}

/** Header placed between the system instruction and the examples (the original design's). */
export const FEW_SHOT_HEADER = '\n\nReference Examples:\n';
/** Separator between two examples (the original design's). */
export const FEW_SHOT_SEPARATOR = '\n\n---\n\n';

/**
 * The text `injectFewShotContext` appends to the system instruction: `''` for no examples.
 * @param examples the chosen examples, in order
 */
export function fewShotBlock(examples: readonly FewShotExample[]): string {
  if (examples.length === 0) return '';
  return joinedText('', FEW_SHOT_HEADER, examples.map(formatExampleText), FEW_SHOT_SEPARATOR);
}

/**
 * The original design's injection: `${system}\n\nReference Examples:\n` then each example as
 * `Example Input: ...\nExample Output: ...`, separated by `\n\n---\n\n`. Unchanged when empty.
 * @param systemInstruction the (interpolated) system instruction
 * @param examples the chosen examples
 */
export function injectFewShotContext(systemInstruction: string, examples: readonly FewShotExample[]): string {
  if (examples.length === 0) return systemInstruction;
  // Same parts, same string: the token-count caches then find it without hashing a new text.
  return joinedText(systemInstruction, FEW_SHOT_HEADER, examples.map(formatExampleText), FEW_SHOT_SEPARATOR);
}

/** The candidates of one category (or all) and their BM25 index, made on first use. */
interface CandidateSet {
  candidates: FewShotExample[];
  index?: Bm25Index;
}

/** What an examples list held when its candidate sets were made, to tell whether it changed since. */
interface CandidateCache {
  examples: FewShotExample[];
  inputs: string[];
  categories: string[];
  sets: Map<string | undefined, CandidateSet>;
}

const candidateCaches = new WeakMap<readonly FewShotExample[], CandidateCache>();

/**
 * The candidate set of `examples` for a category, remembered per examples list (checked unchanged
 * on every call: same examples, same inputs and categories), so the BM25 index of a template's
 * examples is built once, not per injection.
 */
function candidateSet(examples: readonly FewShotExample[], category: string | undefined): CandidateSet {
  let cache = candidateCaches.get(examples);
  const unchanged =
    cache !== undefined &&
    cache.examples.length === examples.length &&
    examples.every(
      (e, i) => e === cache?.examples[i] && e.input === cache.inputs[i] && e.category === cache.categories[i],
    );
  if (!cache || !unchanged) {
    cache = {
      examples: [...examples],
      inputs: examples.map((e) => e.input),
      categories: examples.map((e) => e.category),
      sets: new Map(),
    };
    candidateCaches.set(examples, cache);
  }
  let set = cache.sets.get(category);
  if (!set) {
    set = {
      candidates: category === undefined ? [...examples] : examples.filter((e) => e.category === category),
    };
    cache.sets.set(category, set);
  }
  return set;
}

/** Candidate order of the similarity strategy: best BM25 score first, ties in original order. */
function bySimilarity(set: CandidateSet, query: string): FewShotExample[] {
  set.index ??= new Bm25Index(set.candidates.map((e) => e.input));
  const scores = set.index.scores(query);
  return set.candidates
    .map((example, index) => ({ example, index, score: scores[index] ?? 0 }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .map((entry) => entry.example);
}

/**
 * Chooses up to `count` examples. With a category, only that category's examples are candidates.
 * `rotation` draws a seeded, unbiased random sample (mulberry32 + partial Fisher–Yates): the same
 * seed gives the same choice, and across seeds every example is equally likely. `similarity` ranks
 * by BM25 (k1 1.2, b 0.75) of each `input` against `query`, ties in original order.
 * With `budgetTokens`, adding stops at the first example whose injected block (header and separators
 * included) would exceed it, so fewer may be returned.
 * @param examples all examples
 * @param targetCategory category to keep, or undefined for all
 * @param count how many at most (default 2)
 * @param options strategy, seed, query, budget, tokenizer
 */
export function selectFewShotExamples(
  examples: readonly FewShotExample[],
  targetCategory: string | undefined,
  count = 2,
  options: FewShotSelectOptions = {},
): FewShotExample[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new ValidationError(
      'fewShot.count',
      `must be a whole number of 0 or more (got ${count})`,
      'pass a count of 0 or more',
    );
  }
  const { strategy = 'rotation', seed = 0, query = '', budgetTokens, tokenizer } = options;
  const set = candidateSet(examples, targetCategory);
  const candidates = set.candidates;
  const ordered =
    strategy === 'similarity'
      ? bySimilarity(set, query).slice(0, count)
      : seededSample(candidates.length, count, seed).map((i) => candidates[i] as FewShotExample);
  if (budgetTokens === undefined) return ordered;

  const countTokens = options.countTokens ?? tokenCounter(tokenizer);
  const chosen: FewShotExample[] = [];
  for (const example of ordered) {
    if (countTokens(fewShotBlock([...chosen, example])) > budgetTokens) break;
    chosen.push(example);
  }
  return chosen;
}
