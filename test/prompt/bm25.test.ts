import { describe, expect, it } from 'vitest';
import { bm25Scores, bm25Terms } from '../../src/prompt/bm25.js';

describe('bm25Terms', () => {
  it('lower-cases and splits on anything but letters and digits (Unicode aware)', () => {
    expect(bm25Terms('Refund, for the ANNUAL-plan (2024); Straße!')).toEqual([
      'refund',
      'for',
      'the',
      'annual',
      'plan',
      '2024',
      'straße',
    ]);
  });
});

describe('bm25Scores', () => {
  it('scores 0 for a query with no words, and nothing without documents', () => {
    expect(bm25Terms('?! -- ...')).toEqual([]);
    expect(bm25Scores(['refund plan', 'billing'], '?!')).toEqual([0, 0]);
    expect(bm25Scores([], 'refund')).toEqual([]);
    expect(bm25Scores(['', 'refund'], 'refund')[0]).toBe(0);
  });

  it('matches a hand computation (k1 1.2, b 0.75, idf ln(1 + (N - n + 0.5)/(n + 0.5)))', () => {
    const documents = ['refund plan', 'billing card update', 'refund refund hardware device'];
    const [a, b, c] = bm25Scores(documents, 'refund');
    const idf = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    const avg = (2 + 3 + 4) / 3;
    const tf = (f: number, len: number): number => (f * 2.2) / (f + 1.2 * (0.25 + (0.75 * len) / avg));
    expect(a).toBeCloseTo(idf * tf(1, 2), 12);
    expect(b).toBe(0);
    expect(c).toBeCloseTo(idf * tf(2, 4), 12);
  });

  it('ranks the document sharing the rarer query words highest', () => {
    const scores = bm25Scores(
      [
        'Explain the refund policy for a monthly subscription.',
        'Explain the refund policy for hardware devices.',
        'Why was I charged twice?',
      ],
      'Explain the refund policy for hardware.',
    );
    expect(scores[1]).toBeGreaterThan(scores[0]!);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
  });

  it('scores zero for an empty query or no documents', () => {
    expect(bm25Scores(['a b', 'c'], '')).toEqual([0, 0]);
    expect(bm25Scores([], 'a')).toEqual([]);
  });

  it('counts each distinct query word once', () => {
    expect(bm25Scores(['refund x', 'y'], 'refund refund')).toEqual(bm25Scores(['refund x', 'y'], 'refund'));
  });
});
