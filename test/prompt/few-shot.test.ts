import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  fewShotBlock,
  injectFewShotContext,
  selectFewShotExamples,
  type FewShotExample,
} from '../../src/prompt/few-shot.js';
import { estimateTokens } from '../../src/prompt/tokens.js';

const ex = (input: string, category = 'refunds', output = `answer to ${input}`): FewShotExample => ({
  input,
  output,
  category,
});

const examples: FewShotExample[] = [
  ex('Explain the refund policy for a monthly subscription.'),
  ex('Explain the refund policy for hardware devices.'),
  ex('Why was I charged twice this month?', 'billing'),
  ex('How long does a refund take?'),
  ex('How do I update my card?', 'billing'),
  ex('Can I get a refund for a cancelled service?'),
  ex('What happens if a renewal payment fails?', 'billing'),
  ex('Explain the refund policy for gift cards.'),
];

describe('injectFewShotContext', () => {
  it("writes exactly the seed's format", () => {
    const text = injectFewShotContext('SYS', [ex('in 1', 'c', 'out 1'), ex('in 2', 'c', 'out 2')]);
    expect(text).toBe(
      'SYS\n\nReference Examples:\nExample Input: in 1\nExample Output: out 1\n\n---\n\nExample Input: in 2\nExample Output: out 2',
    );
  });

  it('leaves the system instruction unchanged when there are no examples', () => {
    expect(injectFewShotContext('SYS', [])).toBe('SYS');
    expect(fewShotBlock([])).toBe('');
  });

  it('is the system instruction followed by fewShotBlock', () => {
    expect(injectFewShotContext('SYS', examples.slice(0, 3))).toBe(
      `SYS${fewShotBlock(examples.slice(0, 3))}`,
    );
  });
});

describe('selectFewShotExamples: rotation', () => {
  it('returns count examples of the target category', () => {
    const chosen = selectFewShotExamples(examples, 'billing', 2);
    expect(chosen).toHaveLength(2);
    for (const e of chosen) expect(e.category).toBe('billing');
  });

  it('uses every category when none is given', () => {
    const chosen = selectFewShotExamples(examples, undefined, 8);
    expect(new Set(chosen)).toEqual(new Set(examples));
  });

  it('returns what there is when the category has fewer than count, and none for an unknown category', () => {
    expect(selectFewShotExamples(examples, 'billing', 10)).toHaveLength(3);
    expect(selectFewShotExamples(examples, 'shipping', 2)).toEqual([]);
    expect(selectFewShotExamples(examples, 'refunds', 0)).toEqual([]);
  });

  it('defaults to count 2, rotation, seed 0 — reproducibly', () => {
    const first = selectFewShotExamples(examples, 'refunds');
    expect(first).toHaveLength(2);
    expect(selectFewShotExamples(examples, 'refunds', 2, { strategy: 'rotation', seed: 0 })).toEqual(first);
  });

  it('changes with the seed', () => {
    const choices = new Set<string>();
    for (let seed = 0; seed < 20; seed++) {
      choices.add(JSON.stringify(selectFewShotExamples(examples, undefined, 2, { seed })));
    }
    expect(choices.size).toBeGreaterThan(10);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => selectFewShotExamples(examples, undefined, -1)).toThrow(ValidationError);
    expect(() => selectFewShotExamples(examples, undefined, 1.5)).toThrow(/fewShot.count/);
  });

  it('does not mutate the examples', () => {
    const copy = structuredClone(examples);
    selectFewShotExamples(examples, undefined, 5, { seed: 3 });
    selectFewShotExamples(examples, undefined, 5, { strategy: 'similarity', query: 'refund' });
    expect(examples).toEqual(copy);
  });
});

describe('selectFewShotExamples: similarity', () => {
  it('ranks example inputs by BM25 against the query', () => {
    const chosen = selectFewShotExamples(examples, 'refunds', 2, {
      strategy: 'similarity',
      query: 'Explain the refund policy for hardware.',
    });
    expect(chosen[0]?.input).toBe('Explain the refund policy for hardware devices.');
    expect(chosen[1]?.input).toMatch(/^Explain the refund policy/);
  });

  it('breaks ties by original order', () => {
    const same = [ex('alpha one', 'c', 'o1'), ex('alpha two', 'c', 'o2'), ex('beta', 'c', 'o3')];
    expect(
      selectFewShotExamples(same, undefined, 3, { strategy: 'similarity', query: 'alpha' }).map(
        (e) => e.output,
      ),
    ).toEqual(['o1', 'o2', 'o3']);
    expect(
      selectFewShotExamples(same, undefined, 2, { strategy: 'similarity' }).map((e) => e.output),
    ).toEqual(['o1', 'o2']);
  });
});

describe('selectFewShotExamples: budget', () => {
  it('stops adding at the first example whose block would overflow, counting header and separators', () => {
    const all = selectFewShotExamples(examples, undefined, 3, { seed: 5 });
    const twoBlock = estimateTokens(fewShotBlock(all.slice(0, 2)));
    const threeBlock = estimateTokens(fewShotBlock(all));
    expect(threeBlock).toBeGreaterThan(twoBlock);
    expect(selectFewShotExamples(examples, undefined, 3, { seed: 5, budgetTokens: threeBlock })).toEqual(all);
    expect(selectFewShotExamples(examples, undefined, 3, { seed: 5, budgetTokens: threeBlock - 1 })).toEqual(
      all.slice(0, 2),
    );
    expect(selectFewShotExamples(examples, undefined, 3, { seed: 5, budgetTokens: twoBlock })).toEqual(
      all.slice(0, 2),
    );
    expect(selectFewShotExamples(examples, undefined, 3, { seed: 5, budgetTokens: 0 })).toEqual([]);
    expect(selectFewShotExamples(examples, undefined, 3, { seed: 5, budgetTokens: -10 })).toEqual([]);
  });

  it('counts the budget with the chosen tokenizer', () => {
    const one = selectFewShotExamples(examples, undefined, 1, { seed: 1 });
    const heuristic = estimateTokens(fewShotBlock(one), 'heuristic');
    expect(
      selectFewShotExamples(examples, undefined, 1, {
        seed: 1,
        budgetTokens: heuristic,
        tokenizer: 'heuristic',
      }),
    ).toEqual(one);
    expect(
      selectFewShotExamples(examples, undefined, 1, {
        seed: 1,
        budgetTokens: heuristic - 1,
        tokenizer: 'heuristic',
      }),
    ).toEqual([]);
  });
});

describe('selectFewShotExamples (properties)', () => {
  const example = fc.record({
    input: fc.string({ minLength: 1, maxLength: 40 }),
    output: fc.string({ minLength: 1, maxLength: 40 }),
    category: fc.constantFrom('a', 'b'),
  });
  const options = fc.record({
    strategy: fc.constantFrom<'rotation' | 'similarity'>('rotation', 'similarity'),
    seed: fc.integer(),
    query: fc.string({ maxLength: 30 }),
    budgetTokens: fc.integer({ min: -5, max: 120 }),
  });

  it('gives the same choice for the same seed', () => {
    fc.assert(
      fc.property(fc.array(example, { maxLength: 10 }), fc.nat(6), options, (list, count, opts) => {
        expect(selectFewShotExamples(list, undefined, count, opts)).toEqual(
          selectFewShotExamples(list, undefined, count, opts),
        );
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('never returns more than count, never leaves the category, never exceeds the budget', () => {
    // The branches below must each have run, or the property proved less than it says.
    const ran = { inCategory: 0, nonEmpty: 0 };
    fc.assert(
      fc.property(
        fc.array(example, { maxLength: 10 }),
        fc.nat(6),
        fc.constantFrom(undefined, 'a'),
        options,
        (list, count, category, opts) => {
          const chosen = selectFewShotExamples(list, category, count, opts);
          expect(chosen.length).toBeLessThanOrEqual(count);
          if (category && chosen.length > 0) {
            ran.inCategory++;
            for (const e of chosen) expect(e.category).toBe(category);
          }
          for (const e of chosen) expect(list).toContain(e);
          expect(new Set(chosen).size).toBe(chosen.length);
          if (chosen.length > 0) {
            ran.nonEmpty++;
            expect(estimateTokens(fewShotBlock(chosen))).toBeLessThanOrEqual(opts.budgetTokens);
          }
        },
      ),
      { seed: 42, numRuns: 200 },
    );
    expect(ran.inCategory).toBeGreaterThan(10);
    expect(ran.nonEmpty).toBeGreaterThan(20);
  });

  it('rotation is uniform over seeds: chi-square over 8000 fixed seeds', () => {
    const items = Array.from({ length: 8 }, (_, i) => ex(`input ${i}`, 'c', String(i)));
    const singles = new Array<number>(8).fill(0);
    const pairs = new Map<string, number>();
    const seeds = 8000;
    for (let seed = 0; seed < seeds; seed++) {
      const [first, second] = selectFewShotExamples(items, 'c', 2, { seed }).map((e) => Number(e.output));
      singles[first!]! += 1;
      const key = `${first}-${second}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    const chiSquare = (observed: number[], expected: number): number =>
      observed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // First position: 8 outcomes, df 7, critical value at p = 0.001 is 24.32.
    expect(chiSquare(singles, seeds / 8)).toBeLessThan(24.32);
    // Ordered pairs: 56 outcomes, df 55, critical value at p = 0.001 is 93.17.
    expect(pairs.size).toBe(56);
    expect(chiSquare([...pairs.values()], seeds / 56)).toBeLessThan(93.17);
  });
});
