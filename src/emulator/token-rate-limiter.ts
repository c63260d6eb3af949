/**
 * The per-access-token request limit (Genesys's usual 300 requests per minute): a fixed window that
 * opens with a token's first request; over the limit, the answer says how many seconds until it frees.
 */

interface Window {
  startedAt: number;
  count: number;
}

/** Counts requests per token within fixed windows. */
export class TokenRateLimiter {
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, Window>();

  /**
   * @param requests requests allowed per window
   * @param windowMs window length
   */
  constructor(requests: number, windowMs: number) {
    this.#requests = Math.max(1, Math.floor(requests));
    this.#windowMs = Math.max(1, windowMs);
  }

  /**
   * Counts one request of `token`.
   * @returns 0 when allowed, otherwise the whole seconds until the window frees (at least 1)
   */
  take(token: string, now = Date.now()): number {
    let window = this.#windows.get(token);
    if (window === undefined || now - window.startedAt >= this.#windowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(token, window);
    }
    if (window.count >= this.#requests) {
      return Math.max(1, Math.ceil((window.startedAt + this.#windowMs - now) / 1000));
    }
    window.count += 1;
    return 0;
  }

  /** Forgets windows that ended. */
  sweep(now = Date.now()): void {
    for (const [token, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(token);
    }
  }
}
