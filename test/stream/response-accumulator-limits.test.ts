import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../src/errors.js';
import { DEFAULT_RESPONSE_LIMITS } from '../../src/limits.js';
import { ResponseAccumulator } from '../../src/stream/response-accumulator.js';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('ResponseAccumulator limits', () => {
  it('refuses an in-order chunk that would take the answer past maxChars, naming the option', () => {
    const acc = new ResponseAccumulator({ maxChars: 10 });
    acc.applyChunk(1, 'abcdef');
    const error = thrown(() => acc.applyChunk(2, 'ghijk'));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ option: 'limits.maxAnswerChars', limit: 10, code: 'limit.exceeded' });
    expect((error as Error).message).toContain('raise limits.maxAnswerChars');
    expect(acc.text).toBe('abcdef');
  });

  it('counts chunks held beyond a gap against maxChars', () => {
    const acc = new ResponseAccumulator({ maxChars: 10 });
    acc.applyChunk(1, 'abc');
    acc.applyChunk(3, 'defg');
    expect(thrown(() => acc.applyChunk(4, 'hijk'))).toMatchObject({ option: 'limits.maxAnswerChars' });
  });

  it('holds at most maxPendingChunks beyond a gap', () => {
    const acc = new ResponseAccumulator({ maxPendingChunks: 3 });
    for (const seq of [3, 4, 5]) acc.applyChunk(seq, 'x');
    const error = thrown(() => acc.applyChunk(6, 'x'));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ option: 'limits.maxPendingChunks', limit: 3 });
    // Filling the gap releases them.
    const fresh = new ResponseAccumulator({ maxPendingChunks: 3 });
    for (const seq of [2, 3, 4]) fresh.applyChunk(seq, 'x');
    fresh.applyChunk(1, 'x');
    expect(fresh.text).toBe('xxxx');
    for (const seq of [6, 7, 8]) fresh.applyChunk(seq, 'y');
    expect(fresh.hasGap).toBe(true);
  });

  it('refuses a conversation read whose text is longer than maxChars', () => {
    const acc = new ResponseAccumulator({ maxChars: 5 });
    expect(thrown(() => acc.reconcile({ text: 'abcdef', sequence: 2 }))).toMatchObject({
      option: 'limits.maxAnswerChars',
    });
    expect(acc.reconcile({ text: 'abcde', sequence: 2 })).toEqual([{ sequence: 2, content: 'abcde' }]);
  });

  it('defaults to the documented limits', () => {
    const acc = new ResponseAccumulator();
    for (let seq = 2; seq < 2 + DEFAULT_RESPONSE_LIMITS.maxPendingChunks; seq += 1) acc.applyChunk(seq, '');
    expect(thrown(() => acc.applyChunk(5000, ''))).toMatchObject({
      option: 'limits.maxPendingChunks',
      limit: 1000,
    });
  });

  it('never holds more than maxChars, whatever order and sizes the chunks come in (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.string({ maxLength: 12 })), { maxLength: 80 }),
        fc.integer({ min: 1, max: 60 }),
        (chunks, maxChars) => {
          const acc = new ResponseAccumulator({ maxChars, maxPendingChunks: 8 });
          for (const [sequence, content] of chunks) {
            try {
              acc.applyChunk(sequence, content);
            } catch (error) {
              expect(error).toBeInstanceOf(LimitExceededError);
              return;
            }
            expect(acc.text.length).toBeLessThanOrEqual(maxChars);
          }
        },
      ),
      { seed: 11, numRuns: 300 },
    );
  });
});
