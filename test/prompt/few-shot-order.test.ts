/**
 * Few-shot selection edge cases: the count is checked with its field and fix, and the similarity
 * order keeps the original order among equal scores (a query that matches nothing changes nothing).
 */
import { describe, expect, it } from 'vitest';
import { type FewShotExample, selectFewShotExamples } from '../../src/prompt/few-shot.js';

const examples: FewShotExample[] = ['alpha one', 'beta two', 'gamma three', 'delta four', 'alpha five'].map(
  (input, i) => ({ input, output: `o${i}`, category: i % 2 === 0 ? 'even' : 'odd' }),
);

describe('selectFewShotExamples', () => {
  it('refuses a count that is not a whole number of 0 or more, naming it', () => {
    for (const count of [-1, 1.5]) {
      expect(() => selectFewShotExamples(examples, undefined, count)).toThrow(
        expect.objectContaining({
          field: 'fewShot.count',
          problem: `must be a whole number of 0 or more (got ${count})`,
          fix: 'pass a count of 0 or more',
        }),
      );
    }
    expect(selectFewShotExamples(examples, undefined, 0)).toEqual([]);
  });

  it('keeps the original order among examples that score the same', () => {
    const similar = (query: string, count: number, category?: string) =>
      selectFewShotExamples(examples, category, count, { strategy: 'similarity', query }).map((e) => e.input);
    expect(similar('nothing matches', 5)).toEqual(examples.map((e) => e.input));
    expect(similar('alpha', 3)).toEqual(['alpha one', 'alpha five', 'beta two']);
    expect(similar('alpha', 3, 'even')).toEqual(['alpha one', 'alpha five', 'gamma three']);
  });
});
