/**
 * The REST request pipeline every endpoint goes through: pace (the OAuth client's `RequestPacer`),
 * take a token, send by the SDK's `callApi` over the keep-alive client, parse the answer against its
 * schema, map an error status to its class — retried per the `RetryPolicy`, with one re-login and one
 * repeat after a 401, and a whole-client pause on a 429's `Retry-After`.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import { ErrorBodySchema } from '../contract/errors.js';
import {
  ConnectionError,
  GenesysPromptError,
  InvalidResponseError,
  RateLimitError,
  errorFromResponse,
} from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { RawResponse, RequestContext } from '../sdk/keep-alive-http-client.js';
import type { SdkConnection } from '../sdk/sdk-session.js';
import type { RequestPacer } from './request-pacer.js';
import type { ApiResult, CallOptions, RestCaller, RestRequest } from './rest-request.js';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';

/** What the pipeline needs of the login: tokens, and the SDK client the requests go through. */
export interface RequestCredentials {
  /** A valid access token (logging in when needed). */
  getAccessToken(signal?: AbortSignalLike): Promise<string>;
  /** The held token when it is valid now (no wait); optional. */
  validToken?(): string | undefined;
  /** Forget a token the API refused (401), so the next call logs in again. */
  invalidate(token: string): void;
  /** The SDK `ApiClient` (and its keep-alive HTTP client) whose `callApi` sends the requests. */
  readonly session: { open(): Promise<SdkConnection>; readonly current?: SdkConnection | undefined };
}

/** Options of `RequestPipeline`. */
export interface RequestPipelineOptions {
  /** Logs in and hands out tokens; its `ApiClient` sends the requests. */
  tokens: RequestCredentials;
  /** Paces this OAuth client's requests; closed by `close()` (see `sharedRateLimiter`). */
  pacer: RequestPacer;
  /** A retry policy, or options for one (default: the policy of docs/protocol.md, retries and pacing). */
  retry?: RetryPolicy | RetryPolicyOptions;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retry and error events go here (never a token or secret). */
  logger?: Logger;
}

/** Sends any `RestRequest` with pacing, retries, re-login and typed errors. */
export class RequestPipeline implements RestCaller {
  readonly #tokens: RequestCredentials;
  readonly #pacer: RequestPacer;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  #closed = false;

  /** @param options token provider, pacing, retry policy, timeout, logger */
  constructor(options: RequestPipelineOptions) {
    this.#tokens = options.tokens;
    this.#pacer = options.pacer;
    this.#retry = options.retry instanceof RetryPolicy ? options.retry : new RetryPolicy(options.retry);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Closes the pacer (this client's share of it); later calls reject. Does not close the login. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pacer.close();
  }

  /**
   * One logical call: pacing, token, retries per policy, one re-login and retry after a 401.
   * @param spec the endpoint and what to send
   * @param options signal and deadline
   */
  async call<T>(spec: RestRequest<T>, options: CallOptions): Promise<ApiResult<T>> {
    if (this.#closed)
      throw new ConnectionError('the Genesys API client is closed', { code: 'client.closed' });
    const { signal } = options;
    let reloggedIn = false;
    const { value, retries } = await this.#retry.run(
      async ({ remainingMs }) => {
        for (;;) {
          // A pause from an earlier 429 that outlasts the deadline: fail now, as that 429 would.
          const pausedMs = this.#pacer.pausedForMs?.() ?? 0;
          if (remainingMs !== undefined && pausedMs > 0 && pausedMs >= remainingMs) {
            throw new RateLimitError(
              `${describe(spec)} was not sent: this OAuth client is paused by a 429 for ${Math.round(pausedMs)} ms`,
              { status: 429, retryAfterMs: pausedMs },
            );
          }
          // The common case waits for nothing: no promise, no turn of the event loop.
          if (!(this.#pacer.tryAcquire?.() ?? false)) await this.#pacer.acquire(signal);
          const token = this.#tokens.validToken?.() ?? (await this.#tokens.getAccessToken(signal));
          const response = await this.#send(spec, token, signal, remainingMs);
          if (response.status >= 200 && response.status < 300) return this.#parse(spec, response);
          if (response.status === 401 && !reloggedIn) {
            // The token expired or was revoked: log in once more and repeat this request once.
            reloggedIn = true;
            this.#tokens.invalidate(token);
            continue;
          }
          const error = this.#errorFor(spec, response);
          // Every caller of this OAuth client waits out a 429, not only this one — never longer than
          // the cap, whatever the server asked.
          if (error instanceof RateLimitError && error.retryAfterMs !== undefined)
            await this.#pause(Math.min(error.retryAfterMs, this.#retry.maxRetryAfterMs));
          throw error;
        }
      },
      {
        signal,
        deadlineMs: options.deadlineMs,
        onRetry: ({ retry, delayMs, error }) => {
          this.#logger.debug(
            {
              retry,
              delayMs: Math.round(delayMs),
              code: (error as GenesysPromptError).code,
              status: (error as GenesysPromptError).status,
            },
            `retrying ${describe(spec)}`,
          );
        },
      },
    );
    return { value, retries: retries + (reloggedIn ? 1 : 0) };
  }

  /** Tells the pacer to hold this client; a pacer's own failure is logged, never thrown. */
  async #pause(durationMs: number): Promise<void> {
    try {
      await this.#pacer.pause(durationMs, 'retry-after');
    } catch (error) {
      this.#logger.warn(
        { err: { name: error instanceof Error ? error.name : 'unknown' } },
        'the request pacer could not record a Retry-After pause',
      );
    }
  }

  /**
   * One attempt: takes a request slot of the HTTP client first (nothing of the request is built while
   * it waits), then sends through the SDK.
   * @param remainingMs what was left of the call's deadline when the attempt began (undefined: none)
   */
  async #send(
    spec: RestRequest<unknown>,
    token: string,
    signal: AbortSignalLike | undefined,
    remainingMs: number | undefined,
  ): Promise<RawResponse> {
    const { session } = this.#tokens;
    const { apiClient, httpClient } = session.current ?? (await session.open());
    const { slots } = httpClient;
    let leftMs = remainingMs;
    if (!slots.tryTake()) {
      const waitedFrom = Date.now();
      await slots.take(signal);
      if (leftMs !== undefined) leftMs -= Date.now() - waitedFrom;
    }
    const context: RequestContext = {
      signal,
      timeoutMs: leftMs === undefined ? this.#timeoutMs : Math.max(1, Math.min(this.#timeoutMs, leftMs)),
    };
    try {
      // 'PureCloud OAuth' makes the SDK build a fresh header object (with no auth names it would
      // write into its shared defaultHeaders); our Authorization then overrides its stored token so
      // the token a 401 refers to is known exactly.
      await httpClient.withContext(context, () =>
        apiClient.callApi(
          spec.path,
          spec.method,
          spec.pathParams,
          spec.query ?? {},
          {},
          {},
          spec.bodyJson === undefined ? spec.body : spec.bodyJson(),
          ['PureCloud OAuth'],
          ['application/json'],
          ['application/json'],
          { ...spec.headers, Authorization: `Bearer ${token}` },
        ),
      );
    } catch (error) {
      if (!context.response) {
        if (error instanceof GenesysPromptError) throw error;
        // Never chain the SDK's error: it may describe the request, Authorization header included.
        throw new ConnectionError(`${describe(spec)} failed before an answer (${(error as Error).name})`);
      }
    } finally {
      slots.give();
    }
    if (!context.response) throw new ConnectionError(`${describe(spec)} got no answer`);
    return context.response;
  }

  #parse<T>(spec: RestRequest<T>, response: RawResponse): T {
    if (!spec.schema) return undefined as T;
    const checked = spec.check?.(response.body);
    if (checked !== undefined) return checked;
    const parsed = spec.schema.safeParse(response.body);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
    throw new InvalidResponseError(
      `${describe(spec)} answered ${response.status} with a body that breaks the contract at ${where}: ${issue?.message ?? 'invalid'}; check that the environment is a Genesys Cloud API (or the emulator) of this version`,
      {
        status: response.status,
        code: 'invalid.response',
        headers: response.headers,
        correlationId: response.headers['inin-correlation-id'],
      },
    );
  }

  #errorFor(spec: RestRequest<unknown>, response: RawResponse): Error {
    const parsed = ErrorBodySchema.safeParse(response.body);
    const body = parsed.success ? parsed.data : undefined;
    let context = describe(spec);
    if (response.status === 403 && spec.scope && !body?.message.includes(spec.scope)) {
      context += ` (needs scope ${spec.scope})`;
    }
    return errorFromResponse(response.status, body, response.headers, context);
  }
}

/** `METHOD /path` with its parameters filled in, for messages (ids are not secrets). */
function describe(spec: RestRequest<unknown>): string {
  const path = spec.path.replace(/\{(\w+)\}/g, (whole, name: string) => spec.pathParams[name] ?? whole);
  return `${spec.method} ${path}`;
}
