import fc from 'fast-check';
import { countTokens as referenceCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as referenceO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { mergedTokenCount } from '../../src/prompt/byte-pair-merge.js';
import { rankTable, utf8Bytes } from '../../src/prompt/rank-table.js';
import { estimateTokens } from '../../src/prompt/tokens.js';

/** The reference encoder, counting special-token text as plain text (as the library does). */
const plain = { disallowedSpecial: new Set<string>() };
const REFERENCE = {
  o200k_base: (text: string) => referenceO200k(text, plain),
  cl100k_base: (text: string) => referenceCl100k(text, plain),
} as const;
const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;

/**
 * Characters that make the pre-tokenizer and the merge work: long runs of one letter, mixed case,
 * digits, URL punctuation, spaces and newlines, accents, CJK, an emoji, a byte-order mark (the
 * reference encoder ranks bytes after it as the text without it) and a lone surrogate.
 */
const TRICKY = fc.constantFrom(
  ...['a', 'a', 'a', 'b', 'A', 'Z', '1', '0', '/', '.', ':', '?', '=', '-', '_', '+', ' ', ' ', '\n', '\t'],
  ...['é', 'ß', '東', '京', 'テ', '🎉', '\u0301', '\uFEFF', '\uFEFF', '\uD800', "'", '<|endoftext|>'],
);

/** Short enough that the reference encoder (quadratic on a long piece) stays quick. */
const trickyText = fc.string({ unit: TRICKY, maxLength: 400 });
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const longRun = fc
  .tuple(fc.constantFrom('a', 'b', 'x', 'é', '\uFEFF', '=', '0'), fc.integer({ min: 1, max: 3000 }))
  .map(([char, times]) => char.repeat(times));

describe('exact token counts (property: equal to the reference encoder)', () => {
  it.each(ENCODINGS)('%s: equal on random text of tricky characters', (encoding) => {
    fc.assert(
      fc.property(trickyText, (text) => estimateTokens(text, encoding) === REFERENCE[encoding](text)),
      { seed: 20_260_511, numRuns: 400 },
    );
  });

  it.each(ENCODINGS)('%s: equal on random Unicode text', (encoding) => {
    fc.assert(
      fc.property(anyText, (text) => estimateTokens(text, encoding) === REFERENCE[encoding](text)),
      { seed: 7, numRuns: 300 },
    );
  });

  it.each(ENCODINGS)('%s: equal on long runs of one character (pieces that take the queue)', (encoding) => {
    fc.assert(
      fc.property(longRun, (text) => estimateTokens(text, encoding) === REFERENCE[encoding](text)),
      { seed: 11, numRuns: 40 },
    );
  });
});

describe('the priority-queue merge', () => {
  it('leaves exactly what the scan leaves, on any bytes', () => {
    const bytes = fc.string({ unit: TRICKY, minLength: 2, maxLength: 300 }).map(utf8Bytes);
    for (const encoding of ENCODINGS) {
      const table = rankTable(encoding);
      fc.assert(
        fc.property(
          bytes,
          (piece) => mergedTokenCount(piece, table, 2) === mergedTokenCount(piece, table, Infinity),
        ),
        { seed: 3, numRuns: 300 },
      );
    }
  });

  it('counts long runs of one character, base64 and a URL without separators', () => {
    // The megabyte case is in byte-pair-megabyte.test.ts; these sizes the reference encoder counts quickly.
    expect(estimateTokens('a'.repeat(8_000))).toBe(REFERENCE.o200k_base('a'.repeat(8_000)));
    const url = `https://example.com/search?q=${'qwertyuiopasdfghjklzxcvbnm'.repeat(300)}`;
    expect(estimateTokens(url)).toBe(REFERENCE.o200k_base(url));
    const base64 = Buffer.from(Array.from({ length: 6_000 }, (_, i) => (i * 7919) % 256)).toString('base64');
    expect(estimateTokens(base64, 'cl100k_base')).toBe(REFERENCE.cl100k_base(base64));
  });
});
