import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { plainEqual, plainJsonKey } from '../../src/prompt/plain-json-key.js';
import { validatePromptSchema, type PromptTemplate } from '../../src/prompt/template.js';

/** A valid template whose content differs by `n`. */
const templateOf = (n: number | string): PromptTemplate => ({
  systemInstruction: `You answer questions about plan ${n}.`,
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  contextWindowLimit: 8192,
});

/** A valid template whose variable default is `chars` characters long. */
const withDefault = (label: string, chars: number): PromptTemplate => ({
  ...templateOf(label),
  variables: { productType: 'x'.repeat(chars) },
});

describe('validatePromptSchema: templates checked once by content', () => {
  it('returns the same frozen template for the same plain object passed again and for an equal copy', () => {
    const raw = templateOf('same-object');
    const first = validatePromptSchema(raw);
    expect(first).not.toBe(raw);
    expect(Object.isFrozen(raw)).toBe(false);
    expect(validatePromptSchema(raw)).toBe(first);
    expect(validatePromptSchema(structuredClone(raw))).toBe(first);
  });

  it('checks an object again once a nested value changed, and once a getter throws', () => {
    const raw = { ...templateOf('nested'), variables: { productType: 'a' } };
    const first = validatePromptSchema(raw);
    raw.variables.productType = 'b';
    const second = validatePromptSchema(raw);
    expect(second).not.toBe(first);
    expect(second.variables?.productType).toBe('b');
    let fail = false;
    const tricky = Object.defineProperty({ ...templateOf('getter') }, 'systemInstruction', {
      enumerable: true,
      get: () => {
        if (fail) throw new Error('no');
        return 'You answer.';
      },
    });
    validatePromptSchema(tricky);
    fail = true;
    // Read again, not answered from what was checked: the getter's own error comes through.
    expect(() => validatePromptSchema(tricky)).toThrow('no');
  });

  it('checks an object again once it changed: a change that breaks it is reported', () => {
    const raw: Record<string, unknown> = { ...templateOf('mutated') };
    const first = validatePromptSchema(raw);
    raw.contextWindowLimit = -1;
    expect(() => validatePromptSchema(raw)).toThrow(ValidationError);
    raw.contextWindowLimit = 4096;
    const second = validatePromptSchema(raw);
    expect(second).not.toBe(first);
    expect(second.contextWindowLimit).toBe(4096);
  });

  it('keeps no template that is not plain JSON data (a Date where text belongs fails every time)', () => {
    const raw: Record<string, unknown> = { ...templateOf('date') };
    validatePromptSchema(raw);
    const when = new Date(0);
    raw.systemInstruction = when;
    expect(() => validatePromptSchema(raw)).toThrow(ValidationError);
    // Its JSON is the text a string would give; the key refuses the Date, so nothing stale answers.
    raw.systemInstruction = when.toISOString();
    const text = validatePromptSchema(raw);
    raw.systemInstruction = when;
    expect(() => validatePromptSchema(raw)).toThrow(ValidationError);
    expect(text.systemInstruction).toBe(when.toISOString());
  });

  it('is bounded: after 256 other templates, an earlier one is checked and frozen anew', () => {
    const first = validatePromptSchema(templateOf('bounded'));
    for (let i = 0; i < 256; i++) validatePromptSchema(templateOf(i));
    const again = validatePromptSchema(templateOf('bounded'));
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(validatePromptSchema(templateOf('bounded'))).toBe(again);
  });

  it('does not keep templates whose content is larger than 64 KiB', () => {
    const large = withDefault('large', 64 * 1024);
    expect(validatePromptSchema(large)).not.toBe(validatePromptSchema(large));
    const small = withDefault('small', 60 * 1024);
    expect(validatePromptSchema(small)).toBe(validatePromptSchema(small));
  });

  it('keeps at most a mebibyte of content in all: the 17th template of 62 KiB starts it again', () => {
    // 257 small templates: the count bound empties the cache, which then holds the last one only.
    for (let i = 0; i <= 256; i++) validatePromptSchema(templateOf(`filler ${i}`));
    const kept = Array.from({ length: 16 }, (_, i) =>
      validatePromptSchema(withDefault(`total ${i}`, 62 * 1024)),
    );
    expect(
      kept.map((t, i) => validatePromptSchema(withDefault(`total ${i}`, 62 * 1024)) === t),
    ).not.toContain(false);
    validatePromptSchema(withDefault('total 16', 62 * 1024));
    expect(validatePromptSchema(withDefault('total 0', 62 * 1024))).not.toBe(kept[0]);
  });
});

describe('plainEqual', () => {
  const copyOf = (value: unknown): unknown => {
    const key = plainJsonKey(value, Number.MAX_SAFE_INTEGER);
    return key === undefined ? undefined : (JSON.parse(key) as { value: unknown }).value;
  };

  it('is true exactly when the two values have the same key', () => {
    const values = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(values, values, fc.boolean(), (a, other, same) => {
        const b = same ? structuredClone(a) : other;
        expect(plainEqual(a, copyOf(a))).toBe(true);
        expect(plainEqual(b, copyOf(a))).toBe(plainJsonKey(b, 1e9) === plainJsonKey(a, 1e9));
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('is false for what has no key, for other key orders and for other prototypes', () => {
    expect(plainEqual({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(plainEqual({ a: Number.NaN }, { a: null })).toBe(false);
    expect(plainEqual({ a: new Date(0) }, { a: '1970-01-01T00:00:00.000Z' })).toBe(false);
    expect(plainEqual([1, 2], { 0: 1, 1: 2 })).toBe(false);
    expect(plainEqual(new (class Point {})(), {})).toBe(false);
    expect(plainEqual({ a: undefined }, {})).toBe(false);
  });
});

describe('plainJsonKey', () => {
  it('gives equal keys for equal plain data and different keys for different data', () => {
    expect(plainJsonKey({ a: [1, 'x', true, null] }, 100)).toBe(
      plainJsonKey({ a: [1, 'x', true, null] }, 100),
    );
    expect(plainJsonKey({ a: 1 }, 100)).not.toBe(plainJsonKey({ a: 2 }, 100));
    expect(plainJsonKey(Object.assign(Object.create(null), { a: 1 }), 100)).toBe(plainJsonKey({ a: 1 }, 100));
  });

  it.each([
    ['NaN', { a: Number.NaN }],
    ['Infinity', { a: Number.POSITIVE_INFINITY }],
    ['undefined', { a: undefined }],
    ['a function', { a: () => 1 }],
    ['a symbol', { a: Symbol('s') }],
    ['a bigint', { a: 1n }],
    ['a Date', { a: new Date(0) }],
    ['a class instance', { a: new (class Point {})() }],
    ['a Map', { a: new Map() }],
  ])('has no key for a value holding %s', (_, value) => {
    expect(plainJsonKey(value, 1000)).toBeUndefined();
  });

  it('has no key for a cycle, nor for a getter that throws', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(plainJsonKey(cycle, 1000)).toBeUndefined();
    const throwing = Object.defineProperty({}, 'a', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    expect(plainJsonKey(throwing, 1000)).toBeUndefined();
  });

  it('has no key longer than the limit', () => {
    const key = plainJsonKey({ a: 'x' }, 1000);
    expect(key).toBeDefined();
    expect(plainJsonKey({ a: 'x' }, (key ?? '').length)).toBe(key);
    expect(plainJsonKey({ a: 'x' }, (key ?? '').length - 1)).toBeUndefined();
  });
});
