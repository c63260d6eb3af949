/**
 * The `Retry-After` header of a 429, as HTTP defines it: a number of seconds, or an HTTP date.
 */

/**
 * How long `Retry-After` asks to wait, in ms, or undefined when the header is missing or unreadable.
 * A date in the past means no wait (0).
 * @param value the header's value
 * @param now the current time in ms (injectable for tests)
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names a weekday or a month; bare numbers and signs are not dates.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}
