/**
 * A megabyte of one character is counted exactly and at all (the priority-queue merge is not
 * quadratic). Kept apart from byte-pair-counter.test.ts so the mutation run, where instrumented code
 * is many times slower, can leave it out: the smaller runs there check the same counting.
 */
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/prompt/tokens.js';

describe('the priority-queue merge at scale', () => {
  it('counts a megabyte of one character', () => {
    expect(estimateTokens('a'.repeat(1_000_000))).toBe(125_000);
  });
});
