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
 * Checks a duration option: a finite number of milliseconds above 0 that a timer can hold.
 * @param field the option's name, for the error
 * @param value the value given (undefined: not set)
 * @returns the value, or undefined when not set
 * @throws ConfigurationError for `Infinity`, `NaN`, 0 or less, or more than `MAX_TIMER_DELAY_MS`
 */
export function checkDurationMs(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMER_DELAY_MS)) {
    throw new ConfigurationError(
      field,
      `must be a number of milliseconds above 0 and at most ${MAX_TIMER_DELAY_MS} (got ${String(value)})`,
      `set ${field} to a finite number of milliseconds no longer than about 24.8 days`,
    );
  }
  return value;
}
