/**
 * A key that stands for a value's content when the value is plain JSON data: objects of
 * `Object.prototype` or none, arrays, strings, finite numbers, booleans and null. Two values with the
 * same key hold the same data, so a result computed from one holds for the other. Anything else (a
 * Date, a class instance, NaN, undefined, a function, a cycle) has no key, and the caller computes
 * afresh.
 */

class NotPlain extends Error {}

/** `JSON.stringify` replacer that refuses what JSON would change or drop. */
function plainOnly(this: unknown, key: string, value: unknown): unknown {
  // `this[key]` is the value before any toJSON(), which would hide a Date behind its text.
  const original = (this as Record<string, unknown>)[key];
  switch (typeof original) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(original)) return value;
      throw new NotPlain();
    case 'object': {
      if (original === null || Array.isArray(original)) return value;
      const prototype: unknown = Object.getPrototypeOf(original);
      if (prototype === Object.prototype || prototype === null) return value;
      throw new NotPlain();
    }
    default:
      throw new NotPlain();
  }
}

/**
 * The key of `value`, or undefined when it is not plain JSON data or its key would exceed `maxChars`.
 * @param value anything
 * @param maxChars longest key returned
 */
export function plainJsonKey(value: unknown, maxChars: number): string | undefined {
  let key: string;
  try {
    key = JSON.stringify({ value }, plainOnly);
  } catch {
    // NotPlain, a cycle, or a getter that threw: no key.
    return undefined;
  }
  return key.length <= maxChars ? key : undefined;
}

/**
 * Whether `value` holds exactly the data of `copy` (a value `JSON.parse` made from a key): the same
 * plain objects with the same keys in the same order, the same arrays and the same primitives — so
 * its key would be the same key. Reads without building a string; anything not plain JSON data is
 * not equal.
 * @param value anything
 * @param copy plain JSON data
 */
export function plainEqual(value: unknown, copy: unknown): boolean {
  if (typeof copy !== 'object' || copy === null) return value === copy;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(copy)) {
    if (!Array.isArray(value) || value.length !== copy.length) return false;
    for (let i = 0; i < copy.length; i++) if (!plainEqual(value[i], copy[i])) return false;
    return true;
  }
  if (Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(value);
  const copyKeys = Object.keys(copy);
  if (keys.length !== copyKeys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key !== copyKeys[i]) return false;
    const inner = (value as Record<string, unknown>)[key];
    if (typeof inner === 'number' && !Number.isFinite(inner)) return false;
    if (!plainEqual(inner, (copy as Record<string, unknown>)[key])) return false;
  }
  return true;
}
