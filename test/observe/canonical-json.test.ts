import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, promptHash, sha256Hex } from '../../src/observe/canonical-json.js';

/** Rebuilds every object of `value` with its keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

const jsonValue = fc.jsonValue();

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text whatever the key insertion order', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(canonicalJson(reverseKeys(value))).toBe(canonicalJson(value));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('parses back to a value equal to the input (JSON round trip)', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('treats undefined, functions and non-finite numbers as JSON.stringify does', () => {
    const value = { a: undefined, b: () => 1, c: [undefined, NaN, Infinity], d: -0, e: new Date(0) };
    expect(canonicalJson(value)).toBe('{"c":[null,null,null],"d":0,"e":"1970-01-01T00:00:00.000Z"}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('refuses a top-level undefined, a bigint and a cycle', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'line\nbreak "quoted" \u2028' })).toBe(
      JSON.stringify({ 'k"\n': 'line\nbreak "quoted" \u2028' }),
    );
  });
});

describe('promptHash', () => {
  it('is the SHA-256 hex of the canonical JSON of the payload', () => {
    const payload = {
      settings: { temperature: 0.2, maxTokens: 10 },
      assistantId: 'a',
      messages: [{ role: 'user', content: 'hi' }],
    };
    const expected = createHash('sha256').update(canonicalJson(payload)).digest('hex');
    expect(promptHash(payload)).toBe(expected);
    expect(promptHash(reverseKeys(payload))).toBe(expected);
    expect(promptHash({ ...payload, assistantId: 'b' })).not.toBe(expected);
  });

  it('sha256Hex matches a known vector', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
