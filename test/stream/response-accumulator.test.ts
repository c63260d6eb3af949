import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LimitExceededError } from '../../src/errors.js';
import { LIMIT_OPTION } from '../../src/limits.js';
import { ResponseAccumulator } from '../../src/stream/index.js';

const charCount = (text: string): number => text.length;

describe('ResponseAccumulator', () => {
  it('applies in order, buffers past a gap, drops and counts duplicates', () => {
    const acc = new ResponseAccumulator();
    expect(acc.applyChunk(1, 'a')).toEqual([{ sequence: 1, content: 'a' }]);
    expect(acc.applyChunk(3, 'c')).toEqual([]);
    expect(acc.hasGap).toBe(true);
    expect(acc.applyChunk(2, 'b')).toEqual([
      { sequence: 2, content: 'b' },
      { sequence: 3, content: 'c' },
    ]);
    expect(acc.applyChunk(2, 'b')).toEqual([]);
    expect(acc.text).toBe('abc');
    expect(acc.duplicates).toBe(1);
  });

  it('appendNext takes only the next chunk with nothing held, and leaves the rest to applyChunk', () => {
    const acc = new ResponseAccumulator();
    expect(acc.appendNext(1, 'a')).toBe(true);
    expect(acc.appendNext(1, 'a')).toBe(false);
    expect(acc.appendNext(3, 'c')).toBe(false);
    expect(acc.sequence).toBe(1);
    expect(acc.applyChunk(3, 'c')).toEqual([]);
    // Chunk 2 follows, but chunk 3 is held: applyChunk must release both.
    expect(acc.appendNext(2, 'b')).toBe(false);
    expect(acc.applyChunk(2, 'b')).toHaveLength(2);
    expect(acc.appendNext(4, 'd')).toBe(true);
    expect(acc.text).toBe('abcd');
    expect(acc.duplicates).toBe(0);
  });

  it('appendNext stops at the budget and at the answer limit like applyChunk', () => {
    const budgeted = new ResponseAccumulator({ budgetTokens: 2, countTokens: charCount });
    expect(budgeted.appendNext(1, 'ab')).toBe(true);
    expect(budgeted.budgetReached).toBe(true);
    expect(budgeted.appendNext(2, 'c')).toBe(false);
    expect(budgeted.text).toBe('ab');
    const small = new ResponseAccumulator({ maxChars: 3 });
    expect(small.appendNext(1, 'abc')).toBe(true);
    expect(() => small.appendNext(2, 'd')).toThrow(LimitExceededError);
  });

  it('takes a read that is ahead, then the buffered chunks above it', () => {
    const acc = new ResponseAccumulator();
    acc.applyChunk(1, 'a');
    acc.applyChunk(4, 'd');
    acc.applyChunk(5, 'e');
    expect(acc.reconcile({ text: 'abc', sequence: 3 })).toEqual([
      { sequence: 3, content: 'bc' },
      { sequence: 4, content: 'd' },
      { sequence: 5, content: 'e' },
    ]);
    expect(acc.reconcile({ text: 'ab', sequence: 2 })).toEqual([]);
    expect(acc.text).toBe('abcde');
  });

  it('drops (and counts) buffered chunks a read already covers, so no gap is left behind', () => {
    const acc = new ResponseAccumulator();
    acc.applyChunk(1, 'a');
    acc.applyChunk(3, 'c');
    acc.applyChunk(4, 'd');
    acc.applyChunk(7, 'g');
    expect(acc.reconcile({ text: 'abcde', sequence: 5 })).toEqual([{ sequence: 5, content: 'bcde' }]);
    // 3 and 4 are inside the read: dropped as duplicates. 7 still waits for 6.
    expect(acc.duplicates).toBe(2);
    expect(acc.hasGap).toBe(true);
    expect(acc.applyChunk(6, 'f')).toEqual([
      { sequence: 6, content: 'f' },
      { sequence: 7, content: 'g' },
    ]);
    expect(acc.hasGap).toBe(false);
    expect(acc.text).toBe('abcdefg');

    // A read up to the last buffered chunk leaves nothing buffered: the stream can trust its end.
    const upTo = new ResponseAccumulator();
    upTo.applyChunk(2, 'b');
    upTo.applyChunk(3, 'c');
    upTo.reconcile({ text: 'abc', sequence: 3 });
    expect(upTo.hasGap).toBe(false);
    expect(upTo.duplicates).toBe(2);
    expect(upTo.text).toBe('abc');
  });

  it('stops at the budget on the chunk that reaches it', () => {
    const acc = new ResponseAccumulator({ budgetTokens: 5, countTokens: charCount });
    acc.applyChunk(1, 'abc');
    acc.applyChunk(2, 'de');
    expect(acc.budgetReached).toBe(true);
    expect(acc.applyChunk(3, 'f')).toEqual([]);
    expect(acc.text).toBe('abcde');
    expect(acc.tokens).toBe(5);
  });

  it('counts tokens per applied piece, never the whole text again', () => {
    const seen: string[] = [];
    const acc = new ResponseAccumulator({ budgetTokens: 100, countTokens: (t) => (seen.push(t), t.length) });
    acc.applyChunk(1, 'ab');
    acc.applyChunk(2, 'cd');
    expect(seen).toEqual(['ab', 'cd']);
  });

  it('rebuilds exactly the server text from any delivery order, duplicates and reads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.option(fc.nat()),
        (chunks, picks, readAt) => {
          const acc = new ResponseAccumulator();
          const events = picks.map((p) => p % chunks.length);
          for (const [i, index] of events.entries()) {
            acc.applyChunk(index + 1, chunks[index]!);
            if (readAt !== null && i === readAt % Math.max(1, events.length)) {
              const seq = (readAt % chunks.length) + 1;
              acc.reconcile({ text: chunks.slice(0, seq).join(''), sequence: seq });
            }
          }
          acc.reconcile({ text: chunks.join(''), sequence: chunks.length });
          expect(acc.text).toBe(chunks.join(''));
          expect(acc.sequence).toBe(chunks.length);
        },
      ),
    );
  });
});

describe('ResponseAccumulator bounds', () => {
  const thrown = (run: () => unknown): unknown => {
    try {
      run();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('starts empty and refuses a budget without a token counter', () => {
    expect(new ResponseAccumulator().text).toBe('');
    expect(() => new ResponseAccumulator({ budgetTokens: 5 })).toThrow(TypeError);
    expect(() => new ResponseAccumulator({ budgetTokens: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  it('holds at most maxPendingChunks beyond a gap, then fails naming the option; the gap still fills', () => {
    const acc = new ResponseAccumulator({ maxPendingChunks: 2 });
    acc.applyChunk(1, 'a');
    acc.applyChunk(3, 'c');
    acc.applyChunk(4, 'd');
    const error = thrown(() => acc.applyChunk(5, 'e'));
    expect(error).toBeInstanceOf(LimitExceededError);
    expect(error).toMatchObject({ option: LIMIT_OPTION.maxPendingChunks, limit: 2 });
    expect(acc.applyChunk(2, 'b').map((p) => p.sequence)).toEqual([2, 3, 4]);
    expect(acc.hasGap).toBe(false);
  });

  it('fails when the text, applied and held, would pass maxChars; exactly maxChars is allowed', () => {
    const acc = new ResponseAccumulator({ maxChars: 6 });
    acc.applyChunk(1, 'ab');
    acc.applyChunk(3, 'cd');
    // 2 applied + 2 held + 3 = 7 > 6.
    expect(thrown(() => acc.applyChunk(4, 'xyz'))).toMatchObject({
      option: LIMIT_OPTION.maxAnswerChars,
      limit: 6,
    });
    acc.applyChunk(2, 'e');
    expect(acc.text).toBe('abecd');
    // The held chunk now counts once, as applied text: 5 + 1 = 6 fits.
    acc.applyChunk(4, 'x');
    expect(acc.text).toBe('abecdx');
    expect(thrown(() => acc.applyChunk(5, 'y'))).toBeInstanceOf(LimitExceededError);

    const held = new ResponseAccumulator({ maxChars: 4 });
    held.applyChunk(2, 'bb');
    // The read covers the held chunk, which no longer counts: 3 + 1 = 4 fits.
    held.reconcile({ text: 'abb', sequence: 2 });
    held.applyChunk(3, 'c');
    expect(held.text).toBe('abbc');
  });

  it('ignores a read at its own sequence, and replaces text a read contradicts', () => {
    const acc = new ResponseAccumulator();
    acc.applyChunk(1, 'a');
    acc.applyChunk(2, 'b');
    expect(acc.reconcile({ text: 'ab', sequence: 2 })).toEqual([]);
    const wrong = new ResponseAccumulator({ budgetTokens: 100, countTokens: charCount });
    wrong.applyChunk(1, 'X');
    expect(wrong.reconcile({ text: 'abc', sequence: 3 })).toEqual([{ sequence: 3, content: 'abc' }]);
    expect(wrong.text).toBe('abc');
    expect(wrong.tokens).toBe(3);
  });
});
