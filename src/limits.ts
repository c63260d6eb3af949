/**
 * How much the library accepts from a server before it stops reading: every size a server controls
 * has a default here, an option that changes it, and a `LimitExceededError` naming that option.
 */
import { ConfigurationError } from './errors.js';

/** Sizes accepted from the server. Each is a whole number of 1 or more. */
export interface ResponseLimits {
  /** Largest REST answer body in bytes, counted as it arrives (default 32 MiB). */
  maxResponseBodyBytes?: number;
  /** Largest WebSocket frame in bytes, refused by the socket before it is buffered (default 1 MiB). */
  maxFrameBytes?: number;
  /** Longest answer text in characters, chunks held across a gap included (default 8 Mi). */
  maxAnswerChars?: number;
  /** Most chunks held per stream while a gap in sequences waits to be filled (default 1 000). */
  maxPendingChunks?: number;
}

/** The limits with every default filled in. */
export type ResolvedResponseLimits = Required<ResponseLimits>;

/** The defaults: far above any legitimate answer, far below what would hurt the process. */
export const DEFAULT_RESPONSE_LIMITS: ResolvedResponseLimits = Object.freeze({
  maxResponseBodyBytes: 32 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxAnswerChars: 8 * 1024 * 1024,
  maxPendingChunks: 1000,
});

/** The option path of each limit, as errors name it. */
export const LIMIT_OPTION: Readonly<Record<keyof ResponseLimits, string>> = Object.freeze({
  maxResponseBodyBytes: 'limits.maxResponseBodyBytes',
  maxFrameBytes: 'limits.maxFrameBytes',
  maxAnswerChars: 'limits.maxAnswerChars',
  maxPendingChunks: 'limits.maxPendingChunks',
});

/**
 * Fills in the defaults and checks each given value.
 * @param limits the `limits` option
 * @throws ConfigurationError naming the bad limit
 */
export function resolveResponseLimits(limits: ResponseLimits = {}): ResolvedResponseLimits {
  const resolved = { ...DEFAULT_RESPONSE_LIMITS };
  for (const key of Object.keys(DEFAULT_RESPONSE_LIMITS) as Array<keyof ResponseLimits>) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 1)) {
      throw new ConfigurationError(
        LIMIT_OPTION[key],
        `must be a whole number of 1 or more (got ${String(value)})`,
        `set ${LIMIT_OPTION[key]} to a whole number, or leave it out for ${DEFAULT_RESPONSE_LIMITS[key]}`,
      );
    }
    resolved[key] = value;
  }
  for (const key of Object.keys(limits)) {
    if (!(key in DEFAULT_RESPONSE_LIMITS)) {
      throw new ConfigurationError(
        `limits.${key}`,
        'is not a known limit',
        `use ${Object.values(LIMIT_OPTION).join(', ')}`,
      );
    }
  }
  return resolved;
}
