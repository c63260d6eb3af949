/**
 * Turning zod issues into the field and problem of a `ValidationError`: the path as a user writes
 * it, the value found there, the problem for each size and type rule, and the nearest allowed key.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  closestKey,
  describeValue,
  fieldOf,
  firstIssue,
  issuePath,
  problemOf,
  type SchemaIssue,
  valueAt,
} from '../../src/prompt/schema-issue.js';

/** The first issue zod reports for `input`, with the problem text for the value it found. */
function problem(schema: z.ZodType, input: unknown): string {
  const issue = firstIssue(schema.safeParse(input).error!.issues)!;
  return problemOf(issue, valueAt(input, issue.path));
}

describe('fieldOf and valueAt', () => {
  it('write a path as a user does, under an optional root', () => {
    expect(fieldOf(['declarations', 'productType', 'maxLength'])).toBe('declarations.productType.maxLength');
    expect(fieldOf(['examples', 3, 'output'])).toBe('examples[3].output');
    expect(fieldOf([2, 'input'], 'examples')).toBe('examples[2].input');
    expect(fieldOf([])).toBe('');
  });

  it('find the value at a path, or undefined when the path leaves the data', () => {
    const input = { a: { b: [10, { c: 'x' }] }, n: null, s: 'text' };
    expect(valueAt(input, ['a', 'b', 1, 'c'])).toBe('x');
    expect(valueAt(input, [])).toBe(input);
    expect(valueAt(input, ['n', 'x'])).toBeUndefined();
    expect(valueAt(input, ['s', 'length'])).toBeUndefined();
    expect(valueAt(input, ['a', 'toString'])).toBeUndefined();
    expect(valueAt(input, ['missing', 'x'])).toBeUndefined();
  });
});

describe('describeValue', () => {
  it('describes each kind of value briefly', () => {
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2])).toBe('a list');
    expect(describeValue('hot')).toBe('"hot"');
    expect(describeValue('x'.repeat(40))).toBe(JSON.stringify('x'.repeat(40)));
    expect(describeValue('x'.repeat(41))).toBe('a string of 41 characters');
    expect(describeValue({ a: 1 })).toBe('a mapping');
    expect(describeValue(3)).toBe('3');
    expect(describeValue(true)).toBe('true');
    expect(describeValue(undefined)).toBe('undefined');
  });
});

describe('problemOf', () => {
  it('names a missing field, the expected type and the value found', () => {
    const schema = z.object({ name: z.string(), count: z.number().int() });
    expect(problem(schema, { count: 1 })).toBe('is required');
    expect(problem(schema, { name: 3, count: 1 })).toBe('must be a string (got 3)');
    expect(problem(schema, { name: 'n', count: [] })).toBe('must be a number (got a list)');
    expect(problem(z.object({ on: z.boolean() }), { on: 'yes' })).toBe('must be true or false (got "yes")');
    expect(problem(z.enum(['a', 'b']), 'c')).toBe('must be one of "a", "b" (got "c")');
  });

  it('words each size rule by what it measures', () => {
    expect(problem(z.string().min(1), '')).toBe('must not be empty');
    expect(problem(z.string().min(3), 'ab')).toBe('must have at least 3 characters');
    expect(problem(z.array(z.number()).min(2), [1])).toBe('must have at least 2 item(s)');
    expect(problem(z.number().min(5), 4)).toBe('must be at least 5 (got 4)');
    expect(problem(z.number().gt(5), 5)).toBe('must be more than 5 (got 5)');
    expect(problem(z.string().max(3), 'abcdef')).toBe('must be at most 3 characters (got 6)');
    expect(problem(z.array(z.number()).max(1), [1, 2])).toBe('must have at most 1 item(s)');
    expect(problem(z.number().max(5), 6)).toBe('must be at most 5 (got 6)');
    expect(problem(z.number().lt(5), 5)).toBe('must be less than 5 (got 5)');
  });

  it('counts 0 characters when a too-long string issue meets a value that is not a string', () => {
    const issue = z.string().max(3).safeParse('abcdef').error!.issues[0]!;
    expect(problemOf(issue, 12)).toBe('must be at most 3 characters (got 0)');
  });

  it('reports unknown keys first, one per key, with the key in the path', () => {
    const schema = z.strictObject({ name: z.string() });
    const issues = schema.safeParse({ nmae: 'x', extra: 1 }).error!.issues;
    const first = firstIssue(issues)!;
    expect(problemOf(first, undefined)).toBe('unknown key "nmae"');
    expect(issuePath(first)).toEqual(['nmae']);
    expect(firstIssue([])).toBeUndefined();
    const custom = { code: 'custom', path: ['x'], message: 'is odd', input: 1 } as SchemaIssue;
    expect(problemOf(custom, 1)).toBe('is odd');
    expect(issuePath(custom)).toEqual(['x']);
  });
});

describe('closestKey', () => {
  const allowed = ['maxLength', 'required', 'default', 'description'];

  it('finds the key spelt with other case, or at most 2 edits away', () => {
    expect(closestKey('MAXLENGTH', allowed)).toBe('maxLength');
    expect(closestKey('requird', allowed)).toBe('required');
    expect(closestKey('defualt', allowed)).toBe('default');
    expect(closestKey('reqiured', allowed)).toBe('required');
    expect(closestKey('maxLen', allowed)).toBeUndefined();
    expect(closestKey('x', ['y'])).toBe('y');
    expect(closestKey('', ['ab'])).toBe('ab');
    expect(closestKey('abc', ['ab', 'abcd'])).toBe('ab');
    expect(closestKey('', ['abcd', 'ab'])).toBe('ab');
    expect(closestKey('cats', ['cat', 'cats'])).toBe('cats');
  });

  it('keeps the first of equally close keys', () => {
    expect(closestKey('cat', ['bat', 'hat'])).toBe('bat');
  });
});
