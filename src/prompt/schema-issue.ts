/**
 * Turns a zod issue into the pieces of one `ValidationError`: the field path as a user
 * writes it (`declarations.productType.maxLength`, `examples[3].output`) and a short problem with
 * the offending value. The fix is the caller's, since only it knows the field's meaning.
 */
import type { z } from 'zod';

/** A zod 4 issue. */
export type SchemaIssue = z.core.$ZodIssue;

/** The dotted field path of `path`, numbers as `[i]`, under an optional root label. */
export function fieldOf(path: readonly PropertyKey[], root = ''): string {
  let field = root;
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field === '' ? String(part) : `.${String(part)}`;
  }
  return field;
}

/** The value found at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, part)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** A short description of a value for a message: `3`, `"hot"`, `a list`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/**
 * Issues in the order to report them: unknown keys first (a typo there usually explains the other
 * issues, such as a "missing" field spelt differently), then zod's order. An unknown-keys issue
 * naming several keys becomes one issue per key.
 */
export function orderedIssues(issues: readonly SchemaIssue[]): SchemaIssue[] {
  const unknown: SchemaIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) unknown.push({ ...issue, keys: [key] });
  }
  return [...unknown, ...issues.filter((issue) => issue.code !== 'unrecognized_keys')];
}

/** The issue to report first (see `orderedIssues`). */
export function firstIssue(issues: readonly SchemaIssue[]): SchemaIssue | undefined {
  return orderedIssues(issues)[0];
}

/** Path of the reported field: for an unknown key, the key itself. */
export function issuePath(issue: SchemaIssue): PropertyKey[] {
  if (issue.code === 'unrecognized_keys') return [...issue.path, issue.keys[0] ?? ''];
  return [...issue.path];
}

/** A generic problem text for an issue, given the value found at its path. */
export function problemOf(issue: SchemaIssue, value: unknown): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key ${JSON.stringify(issue.keys[0] ?? '')}`;
    case 'invalid_type':
      if (value === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describeValue(value)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describeValue(value)})`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? 'must not be empty'
          : `must have at least ${issue.minimum} characters`;
      }
      if (issue.origin === 'array') return `must have at least ${issue.minimum} item(s)`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum} (got ${describeValue(value)})`;
    case 'too_big':
      if (issue.origin === 'string') {
        const length = typeof value === 'string' ? value.length : 0;
        return `must be at most ${issue.maximum} characters (got ${length})`;
      }
      if (issue.origin === 'array') return `must have at most ${issue.maximum} item(s)`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum} (got ${describeValue(value)})`;
    default:
      return issue.message;
  }
}

/** The allowed key closest to a misspelt one (same letters ignoring case, or at most 2 edits away). */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
