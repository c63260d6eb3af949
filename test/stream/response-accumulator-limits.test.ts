/**
 * The accumulator's errors, word for word: a budget without a counter, too many chunks held beyond a
 * gap (naming the sequence it waits for), and an answer whose applied and held text pass maxChars.
 */
import { describe, expect, it } from 'vitest';
import { LimitExceededError } from '../../src/errors.js';
import { ResponseAccumulator } from '../../src/stream/response-accumulator.js';

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('ResponseAccumulator errors', () => {
  it('says a budget needs a token counter', () => {
    expect(thrown(() => new ResponseAccumulator({ budgetTokens: 3 })).message).toBe(
      'ResponseAccumulator: a budget needs a countTokens function',
    );
  });

  it('names the sequence it waits for when too many chunks are held', () => {
    const acc = new ResponseAccumulator({ maxPendingChunks: 1 });
    acc.applyChunk(1, 'a');
    acc.applyChunk(2, 'b');
    acc.applyChunk(4, 'd');
    const error = thrown(() => acc.applyChunk(5, 'e'));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error.message).toBe(
      'chunks held after a gap in sequence (waiting for 3) exceeds limits.maxPendingChunks (1 chunks); raise limits.maxPendingChunks if this size is expected from a server you trust',
    );
  });

  it('counts held text against maxChars when a chunk is applied', () => {
    const acc = new ResponseAccumulator({ maxChars: 6 });
    acc.applyChunk(1, 'ab');
    acc.applyChunk(3, 'cd');
    // 2 applied + 2 held + 3 = 7 > 6, though the chunk itself continues the text.
    const error = thrown(() => acc.applyChunk(2, 'xyz'));
    expect(error.message).toBe(
      'the answer text exceeds limits.maxAnswerChars (6 characters); raise limits.maxAnswerChars if this size is expected from a server you trust',
    );
    expect(acc.text).toBe('ab');
  });
});
