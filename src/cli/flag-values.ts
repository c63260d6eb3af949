/**
 * Parsers of flag values, for commander: each checks its range or choices while the command line is
 * parsed, before anything starts, and a bad value is a `UsageError` naming the flag, the value and the
 * fix (exit 2). Light on purpose: `--help` loads this file and commander, nothing else.
 */
import { UsageError } from './cli-error.js';

/** Node's longest timer, in ms (2^31 - 1): a longer wait would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** What a whole-number flag accepts, and an example the fix can offer. */
export interface WholeNumberRule {
  min: number;
  max: number;
  /** A good value, shown in the fix. */
  example: number;
  /** Said after the range in the fix, e.g. `(0 picks a free port)`. */
  note?: string;
}

const range = ({ min, max }: WholeNumberRule): string =>
  max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;

/**
 * A commander parser of a whole number within `rule`.
 * @param flag the flag as typed, e.g. `--port`
 */
export function wholeNumber(flag: string, rule: WholeNumberRule): (value: string) => number {
  return (value) => {
    const n = /^\s*[-+]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= rule.min && n <= rule.max) return n;
    const problem = Number.isSafeInteger(n)
      ? `${n} is out of range`
      : `${JSON.stringify(value)} is not a whole number`;
    throw new UsageError(
      flag,
      problem,
      `pass a whole number ${range(rule)}${rule.note ? ` ${rule.note}` : ''}, e.g. ${flag} ${rule.example}`,
      { code: 'invalid.flag' },
    );
  };
}

/**
 * A commander parser of a share between 0 and 1 (a rate of faults: 0.1 is 10 %).
 * @param flag the flag as typed
 */
export function share(flag: string): (value: string) => number {
  return (value) => {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    if (n >= 0 && n <= 1) return n;
    throw new UsageError(
      flag,
      `${JSON.stringify(value)} is not a share between 0 and 1`,
      `pass a fraction, e.g. ${flag} 0.1 for 10 %`,
      { code: 'invalid.flag' },
    );
  };
}

/**
 * A commander parser of one of `choices`.
 * @param flag the flag as typed
 */
export function oneOf<T extends string>(flag: string, choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new UsageError(
      flag,
      `${JSON.stringify(value)} is not one of ${choices.join(', ')}`,
      `pass ${flag} ${choices[0]}`,
      {
        code: 'invalid.flag',
      },
    );
  };
}

/** A repeatable flag: collects every value in order. */
export function repeatable(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * A commander parser of a repeatable `name=n` flag (`--limit maxAnswerChars=20000000`): `name` one of
 * `names`, `n` a whole number of 1 or more; the values collect into one record.
 * @param flag the flag as typed
 */
export function namedWholeNumbers(
  flag: string,
  names: readonly string[],
): (value: string, previous: Record<string, number> | undefined) => Record<string, number> {
  return (value, previous) => {
    const at = value.indexOf('=');
    const name = at === -1 ? value : value.slice(0, at);
    const n = at === -1 ? Number.NaN : Number(value.slice(at + 1));
    if (!names.includes(name)) {
      throw new UsageError(
        flag,
        `${JSON.stringify(name)} is not one of ${names.join(', ')}`,
        `pass ${flag} ${names[0]}=<n>`,
        {
          code: 'invalid.flag',
        },
      );
    }
    if (!(Number.isSafeInteger(n) && n >= 1)) {
      throw new UsageError(
        flag,
        `${JSON.stringify(value)} does not give ${name} a whole number of 1 or more`,
        `pass ${flag} ${name}=<n>`,
        {
          code: 'invalid.flag',
        },
      );
    }
    return { ...previous, [name]: n };
  };
}
