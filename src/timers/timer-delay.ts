/**
 * Node's timers hold a delay in a signed 32-bit number of milliseconds: a longer one overflows and
 * fires after 1 ms (with a `TimeoutOverflowWarning`). Every timer the library sets goes through here.
 */
import { ConfigurationError } from '../errors.js';

/** The largest delay `setTimeout` honours, about 24.8 days. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * `ms` made safe for `setTimeout`: at least 0, at most `MAX_TIMER_DELAY_MS`, and 0 for `NaN`.
 * @param ms the wanted delay
 */
export function timerDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}

/**
 * Checks a duration option: a finite number of milliseconds that a timer can hold, above 0 (or 0
 * itself where `allowZero` says 0 means something, e.g. "never wait").
 * @param field the option's name, for the error
 * @param value the value given (undefined: not set)
 * @param allowZero accept 0
 * @returns the value, or undefined when not set
 * @throws ConfigurationError for `Infinity`, `NaN`, a negative, 0 (unless allowed), or more than `MAX_TIMER_DELAY_MS`
 */
export function checkDurationMs(
  field: string,
  value: number | undefined,
  allowZero = false,
): number | undefined {
  if (value === undefined) return undefined;
  const lowest = allowZero ? 0 : Number.MIN_VALUE;
  if (!(
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= lowest &&
    value <= MAX_TIMER_DELAY_MS
  )) {
    throw new ConfigurationError(
      field,
      `must be a number of milliseconds ${allowZero ? 'from 0' : 'above 0'} and at most ${MAX_TIMER_DELAY_MS} (got ${String(value)})`,
      `set ${field} to a finite number of milliseconds no longer than about 24.8 days`,
    );
  }
  return value;
}
