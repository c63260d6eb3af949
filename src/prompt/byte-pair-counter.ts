/**
 * Exact token counts of a text under one encoding, in time linear in the worst case: the
 * encoding's pre-tokenizer pattern cuts the text into pieces, a piece that is a token counts 1, and
 * any other piece is merged (`byte-pair-merge.ts`). Special-token text such as `<|endoftext|>` is
 * counted as the plain characters it is. Counts equal gpt-tokenizer's `countTokens` (a property test
 * compares them).
 */
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants';
import { mergedTokenCount } from './byte-pair-merge.js';
import { isAscii, rankTable, utf8Bytes, type RankTable, type RankTableName } from './rank-table.js';
import type { TokenCounter } from './token-counter.js';

/** The pre-tokenizer of each encoding (the reference encoder's own patterns). */
const SPLIT_PATTERNS: Record<RankTableName, RegExp> = {
  o200k_base: O200K_TOKEN_SPLIT_REGEX,
  cl100k_base: CL100K_TOKEN_SPLIT_REGEX,
};

/** In unicode mode a surrogate class matches only unpaired surrogates. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Merged pieces remembered per encoding; prose repeats its words. */
const CACHE_ENTRIES = 20_000;
/** Shorter pieces merge faster than a cache is consulted. */
const CACHE_FROM_CHARS = 6;
/** Longer pieces are not remembered, so the cache stays small. */
const CACHE_PIECE_CHARS = 64;

/**
 * The exact counter of an encoding. The rank table loads on the first count, not here.
 * @param name `o200k_base` or `cl100k_base`
 */
export function bytePairTokenCounter(name: RankTableName): TokenCounter {
  const pattern = new RegExp(SPLIT_PATTERNS[name].source, 'gu');
  const merged = new Map<string, number>();
  let table: RankTable | undefined;

  const pieceTokens = (piece: string, ranks: RankTable): number => {
    const ascii = isAscii(piece);
    // A piece with a lone surrogate is never a token as text; its bytes carry U+FFFD instead.
    const wellFormed = ascii || !LONE_SURROGATE.test(piece);
    const bytes = ascii ? piece : utf8Bytes(piece);
    if (wellFormed && ranks.pieceRank(bytes) !== undefined) return 1;
    if (piece.length < CACHE_FROM_CHARS || piece.length > CACHE_PIECE_CHARS)
      return mergedTokenCount(bytes, ranks);
    let count = merged.get(piece);
    if (count === undefined) {
      count = mergedTokenCount(bytes, ranks);
      if (merged.size >= CACHE_ENTRIES) merged.clear();
      merged.set(piece, count);
    }
    return count;
  };

  return (text) => {
    if (text === '') return 0;
    table ??= rankTable(name);
    let total = 0;
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
      total += pieceTokens(match[0], table);
    }
    return total;
  };
}
