/** canonicalJson's errors say what has no JSON form and what to do about it. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/observe/canonical-json.js';

describe('canonicalJson errors', () => {
  it('names the kind of value that has no JSON form', () => {
    for (const value of [undefined, () => 1, Symbol('s')]) {
      expect(() => canonicalJson(value)).toThrow(
        new TypeError('canonicalJson: the value has no JSON form (undefined, function or symbol)'),
      );
    }
    expect(() => canonicalJson({ n: 1n })).toThrow(
      'canonicalJson: a bigint has no JSON form; convert it to a string or number first',
    );
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow('canonicalJson: the value contains a cycle');
  });
});
