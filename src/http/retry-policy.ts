/**
 * The retry policy of docs/protocol.md (retries and pacing): a 429 waits exactly `Retry-After` (plus at most 10 % jitter),
 * unless it asks for longer than `maxRetryAfterMs` or for a wait ending past the deadline: then the
 * 429 fails at once as `RateLimitError`, carrying the server's value;
 * 5xx, connection resets and timeouts back off with full jitter, `random(0, min(1 s x 2^n, 30 s))`;
 * 400/401/403/404 are never retried here; at most `maxRetries` retries within an overall deadline.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import { AbortError, ConnectionError, InternalServerError, RateLimitError, TimeoutError } from '../errors.js';
import { abortableSleep, type Sleep } from '../timers/abortable-sleep.js';

/** Options of `RetryPolicy`. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** Retry 5xx, resets and timeouts too, not only 429 (default true). */
  retryNonRateLimited?: boolean;
  /** First backoff ceiling in ms (default 1 000). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 30 000). */
  maxDelayMs?: number;
  /** Extra wait on top of `Retry-After`, as a fraction of it, drawn uniformly (default 0.1). */
  rateLimitJitter?: number;
  /** Longest `Retry-After` waited out, in ms; a longer one fails at once (default 60 000). */
  maxRetryAfterMs?: number;
  /** Overall deadline of one `run` in ms, attempts and waits together (default none). */
  deadlineMs?: number;
  /** Uniform random number in [0, 1) — injectable for tests (default `Math.random`). */
  random?: () => number;
  /** Waiting — injectable for tests (default a real, abortable timer). */
  sleep?: Sleep;
  /** Clock in ms — injectable for tests (default `Date.now`). */
  now?: () => number;
}

/** What each attempt is told. */
export interface RetryAttempt {
  /** 0 for the first attempt, then 1, 2, ... */
  attempt: number;
  /** ms left before the overall deadline (undefined without one): cap the request timeout by it. */
  remainingMs: number | undefined;
}

/** A retry about to happen, for logging, metrics or pausing a rate limiter. */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: Error;
}

/** Per-run options of `RetryPolicy.run`. */
export interface RetryRunOptions {
  signal?: AbortSignalLike | undefined;
  /** Overrides the policy's `deadlineMs` for this run. */
  deadlineMs?: number | undefined;
  /** Called before each wait. */
  onRetry?: (event: RetryEvent) => void;
}

/** The value of a successful run and how many retries it took. */
export interface RetryResult<T> {
  value: T;
  retries: number;
}

/** Decides whether and how long to wait before retrying a failed attempt. */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly retryNonRateLimited: boolean;
  /** Longest `Retry-After` waited out, in ms. */
  readonly maxRetryAfterMs: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #rateLimitJitter: number;
  readonly #deadlineMs: number | undefined;
  readonly #random: () => number;
  readonly #sleep: Sleep;
  readonly #now: () => number;

  /** @param options limits and injectable randomness, clock and sleep */
  constructor(options: RetryPolicyOptions = {}) {
    this.maxRetries = options.maxRetries ?? 5;
    this.retryNonRateLimited = options.retryNonRateLimited ?? true;
    this.#baseDelayMs = options.baseDelayMs ?? 1_000;
    this.#maxDelayMs = options.maxDelayMs ?? 30_000;
    this.#rateLimitJitter = options.rateLimitJitter ?? 0.1;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.#deadlineMs = options.deadlineMs;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? abortableSleep;
    this.#now = options.now ?? Date.now;
  }

  /**
   * How long to wait before retry number `retryIndex + 1` after `error`, or undefined when the
   * error is not retryable.
   * @param error what the failed attempt threw
   * @param retryIndex 0 before the first retry
   */
  delayFor(error: unknown, retryIndex: number): number | undefined {
    if (error instanceof RateLimitError) {
      if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0) {
        return error.retryAfterMs * (1 + this.#random() * this.#rateLimitJitter);
      }
      return this.#backoff(retryIndex);
    }
    if (!this.retryNonRateLimited) return undefined;
    if (
      error instanceof InternalServerError ||
      error instanceof ConnectionError ||
      error instanceof TimeoutError
    ) {
      return this.#backoff(retryIndex);
    }
    return undefined;
  }

  /**
   * Runs `operation` until it succeeds, fails with an error that is not retried, runs out of
   * retries, or would pass the deadline; then throws the last error.
   * @param operation one attempt
   * @param options signal, deadline override, retry callback
   */
  async run<T>(
    operation: (attempt: RetryAttempt) => Promise<T>,
    options: RetryRunOptions = {},
  ): Promise<RetryResult<T>> {
    const deadlineMs = options.deadlineMs ?? this.#deadlineMs;
    const deadlineAt = deadlineMs === undefined ? undefined : this.#now() + deadlineMs;
    const remaining = (): number | undefined =>
      deadlineAt === undefined ? undefined : deadlineAt - this.#now();
    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw new AbortError();
      const remainingMs = remaining();
      if (remainingMs !== undefined && remainingMs <= 0) {
        throw new TimeoutError(
          `the overall deadline of ${deadlineMs} ms passed; raise deadlineMs or retry later`,
        );
      }
      try {
        return { value: await operation({ attempt, remainingMs }), retries: attempt };
      } catch (error) {
        this.#refuseLongRetryAfter(error, remaining(), deadlineMs);
        if (attempt >= this.maxRetries) throw error;
        const delayMs = this.delayFor(error, attempt);
        if (delayMs === undefined) throw error;
        const left = remaining();
        // A wait that cannot end before the deadline only delays the same failure.
        if (left !== undefined && delayMs >= left) throw error;
        options.onRetry?.({ retry: attempt + 1, delayMs, error: error as Error });
        await this.#sleep(delayMs, options.signal);
      }
    }
  }

  /** A `Retry-After` longer than the cap, or ending past the deadline, fails now, not after the wait. */
  #refuseLongRetryAfter(error: unknown, left: number | undefined, deadlineMs: number | undefined): void {
    if (!(error instanceof RateLimitError) || error.retryAfterMs === undefined) return;
    const asked = error.retryAfterMs;
    let why: string | undefined;
    if (asked > this.maxRetryAfterMs) {
      why = `longer than maxRetryAfterMs (${this.maxRetryAfterMs} ms); raise maxRetryAfterMs to wait it out, or retry later`;
    } else if (left !== undefined && asked >= left) {
      why = `past the deadline of ${deadlineMs} ms (${Math.max(0, Math.round(left))} ms left); raise deadlineMs or retry later`;
    }
    if (why === undefined) return;
    throw new RateLimitError(
      `the server asked to wait ${Math.round(asked)} ms before retrying (Retry-After), ${why}`,
      {
        status: error.status,
        body: error.body,
        headers: error.headers,
        retryAfterMs: asked,
        cause: error,
        ...(error.correlationId === undefined ? {} : { correlationId: error.correlationId }),
      },
    );
  }

  #backoff(retryIndex: number): number {
    const ceiling = Math.min(this.#baseDelayMs * 2 ** retryIndex, this.#maxDelayMs);
    return this.#random() * ceiling;
  }
}
