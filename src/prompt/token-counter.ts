/**
 * What every token count in the library is: a function of a text. The original design's estimate (a quarter of
 * a token per character) lives here, once, for the places that still offer it.
 */

/** Counts the tokens of one text. */
export type TokenCounter = (text: string) => number;

/** The original design's ratio: a quarter of a token per character. */
export const HEURISTIC_TOKENS_PER_CHAR = 0.25;

/**
 * The original design's estimate: `Math.ceil(text.length * 0.25)` (UTF-16 code units, as the original design counted).
 * @param text any text
 */
export const heuristicTokenCount: TokenCounter = (text) => Math.ceil(text.length * HEURISTIC_TOKENS_PER_CHAR);
