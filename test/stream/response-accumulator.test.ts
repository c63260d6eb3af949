import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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
