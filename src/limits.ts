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
  /**
   * Most conversations whose events, come on an assistant responses topic before their create call
   * answered, are held for their stream (default 1 000); past it the oldest conversation's are dropped.
   */
  maxEarlyConversations?: number;
  /** Most bytes of such early events held at once (default 4 MiB); past it the oldest conversation's go. */
  maxEarlyEventBytes?: number;
  /** How long early events wait for their stream before they expire (default 30 000 ms). */
  maxEarlyEventAgeMs?: number;
}

/** The limits with every default filled in. */
export type ResolvedResponseLimits = Required<ResponseLimits>;

/** The defaults: far above any legitimate answer, far below what would hurt the process. */
export const DEFAULT_RESPONSE_LIMITS: ResolvedResponseLimits = Object.freeze({
  maxResponseBodyBytes: 32 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024,
  maxAnswerChars: 8 * 1024 * 1024,
  maxPendingChunks: 1000,
  maxEarlyConversations: 1000,
  maxEarlyEventBytes: 4 * 1024 * 1024,
  maxEarlyEventAgeMs: 30_000,
});

/** The option path of each limit, as errors name it. */
export const LIMIT_OPTION: Readonly<Record<keyof ResponseLimits, string>> = Object.freeze({
  maxResponseBodyBytes: 'limits.maxResponseBodyBytes',
  maxFrameBytes: 'limits.maxFrameBytes',
  maxAnswerChars: 'limits.maxAnswerChars',
  maxPendingChunks: 'limits.maxPendingChunks',
  maxEarlyConversations: 'limits.maxEarlyConversations',
  maxEarlyEventBytes: 'limits.maxEarlyEventBytes',
  maxEarlyEventAgeMs: 'limits.maxEarlyEventAgeMs',
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
