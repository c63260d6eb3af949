/**
 * Node's timers hold a delay in a signed 32-bit number of milliseconds: a longer one overflows and
 * fires after 1 ms (with a `TimeoutOverflowWarning`). Every timer the library sets goes through here.
 */

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
