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

/**
 * Piece counts remembered per encoding, consulted before anything else: prose repeats its words, and
 * a hit costs one lookup by V8's own string hash. Reading a piece char by char (`charCodeAt`) is what
 * the lookup spares, and it turns about twice as slow for the whole process once any module declares
 * `class … extends String` (ioredis does, so every BullMQ worker has one): String.prototype then stays
 * in dictionary mode. Text whose pieces never repeat (base64, random ids) pays a miss per piece.
 */
const CACHE_ENTRIES = 20_000;
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
    return mergedTokenCount(bytes, ranks);
  };

  const cachedPieceTokens = (piece: string, ranks: RankTable): number => {
    if (piece.length > CACHE_PIECE_CHARS) return pieceTokens(piece, ranks);
    let count = merged.get(piece);
    if (count === undefined) {
      count = pieceTokens(piece, ranks);
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
      total += cachedPieceTokens(match[0], table);
    }
    return total;
  };
}
