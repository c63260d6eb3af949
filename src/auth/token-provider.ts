/**
 * OAuth client credentials through the official SDK, on a per-instance `ApiClient` (or the
 * caller's). The SDK does not refresh client-credentials tokens, so this does: before expiry, one
 * login shared by every concurrent caller, and one re-login per token a 401 rejects.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import { OAuthErrorSchema, ErrorBodySchema, TokenResponseSchema } from '../contract/errors.js';
import {
  AbortError,
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  GenesysPromptError,
  errorFromResponse,
} from '../errors.js';
import type { RawResponse, RequestContext } from '../sdk/keep-alive-http-client.js';
import { raceAbort } from '../timers/race-abort.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ResolvedEnvironment } from '../environment/resolve-environment.js';
import { SdkSession } from '../sdk/sdk-session.js';

/** Options of `TokenProvider`. */
export interface TokenProviderOptions {
  /** Where to log in (from `resolveEnvironment`). */
  environment: ResolvedEnvironment;
  /** OAuth client id (the caller fills it from `GENESYS_CLIENT_ID`). */
  clientId: string | undefined;
  /** OAuth client secret (from `GENESYS_CLIENT_SECRET`). Never logged or put in an error. */
  clientSecret: string | undefined;
  /** A caller's SDK `ApiClient`; a private one is created (on the first login) when omitted. */
  apiClient?: unknown;
  /** Timeout of the login request in ms (default 30 000). */
  timeoutMs?: number;
  /** Largest REST answer body in bytes, for every request sent through its HTTP client (default 32 MiB). */
  maxResponseBodyBytes?: number;
  /** Keep-alive connections per origin of its HTTP client (default 64). */
  maxSockets?: number;
  /** Refresh this fraction of the lifetime before expiry (default 0.1) ... */
  refreshRatio?: number;
  /** ... but never earlier than this many ms before expiry (default 60 000). */
  maxRefreshMarginMs?: number;
  /** Clock in ms — injectable for tests (default `Date.now`). */
  now?: () => number;
  /** Where login events go (never the token or secret). */
  logger?: Logger;
}

interface HeldToken {
  token: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * Hands out a valid access token, logging in through the SDK when needed. The SDK is loaded on the
 * first login, not on construction.
 */
export class TokenProvider {
  /** The resolved environment this provider logs in to. */
  readonly environment: ResolvedEnvironment;
  /** The OAuth client id (not secret). */
  readonly clientId: string;
  /** The SDK `ApiClient` this provider logs in through, shared with the REST pipeline. */
  readonly session: SdkSession;
  readonly #clientSecret: string;
  readonly #timeoutMs: number;
  readonly #refreshRatio: number;
  readonly #maxRefreshMarginMs: number;
  readonly #now: () => number;
  readonly #logger: Logger;
  #current: HeldToken | undefined;
  #inflight: Promise<HeldToken> | undefined;
  #closed = false;

  /**
   * @param options environment, credentials, optional caller `ApiClient`, timing
   * @throws ConfigurationError naming GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET when one is missing
   */
  constructor(options: TokenProviderOptions) {
    const clientId = options.clientId?.trim();
    const clientSecret = options.clientSecret;
    if (!clientId) {
      throw new ConfigurationError(
        'clientId',
        'no OAuth client id',
        'set GENESYS_CLIENT_ID or pass clientId',
      );
    }
    if (!clientSecret) {
      throw new ConfigurationError(
        'clientSecret',
        'no OAuth client secret',
        'set GENESYS_CLIENT_SECRET or pass clientSecret',
      );
    }
    this.session = new SdkSession({
      environment: options.environment,
      apiClient: options.apiClient,
      timeoutMs: options.timeoutMs,
      ...(options.maxResponseBodyBytes === undefined
        ? {}
        : { maxResponseBodyBytes: options.maxResponseBodyBytes }),
      ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
    });
    this.environment = options.environment;
    this.clientId = clientId;
    this.#clientSecret = clientSecret;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#refreshRatio = options.refreshRatio ?? 0.1;
    this.#maxRefreshMarginMs = options.maxRefreshMarginMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
  }

  /** The token held now, if any — only so a redacting logger can scrub it; never log it. */
  get heldToken(): string | undefined {
    return this.#current?.token;
  }

  /** The held token while it is valid and not due for refresh (no wait); otherwise undefined. */
  validToken(): string | undefined {
    const held = this.#current;
    return !this.#closed && held && this.#now() < held.refreshAt ? held.token : undefined;
  }

  /**
   * A valid access token: the current one, or a fresh one when none is held, it was invalidated,
   * or it is within the refresh margin of expiry. Concurrent callers share one login.
   * @param signal stops waiting (the shared login goes on for the others)
   * @throws AuthenticationError when the credentials are refused
   */
  async getAccessToken(signal?: AbortSignalLike): Promise<string> {
    if (this.#closed) throw new AbortError('the token provider was closed');
    if (signal?.aborted) throw new AbortError();
    const held = this.#current;
    if (held && this.#now() < held.refreshAt) return held.token;
    this.#inflight ??= this.#login().finally(() => {
      this.#inflight = undefined;
    });
    return (await raceAbort(this.#inflight, signal)).token;
  }

  /**
   * Forgets `token` after the API refused it (401), so the next `getAccessToken` logs in again.
   * A token already replaced is ignored: concurrent 401s for one token cause a single re-login.
   * @param token the access token the API refused
   */
  invalidate(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  /** Releases the SDK session (keep-alive connections; a caller's `ApiClient` restored). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#current = undefined;
    this.session.close();
  }

  async #login(): Promise<HeldToken> {
    const context: RequestContext = { timeoutMs: this.#timeoutMs };
    const startedAt = this.#now();
    this.#logger.debug(
      { clientId: this.clientId, loginBaseUrl: this.environment.loginBaseUrl },
      'oauth login',
    );
    let accessToken: string;
    let fallbackLifetimeMs: number;
    try {
      const { apiClient, httpClient } = await this.session.open();
      const auth = await httpClient.withContext(context, () =>
        apiClient.loginClientCredentialsGrant(this.clientId, this.#clientSecret),
      );
      accessToken = auth.accessToken;
      fallbackLifetimeMs = auth.tokenExpiryTime - Date.now();
    } catch (error) {
      throw this.#loginError(error, context.response);
    }
    const parsed = TokenResponseSchema.safeParse(context.response?.body);
    const lifetimeMs = parsed.success ? parsed.data.expires_in * 1000 : fallbackLifetimeMs;
    if (!accessToken || !(lifetimeMs > 0)) {
      throw new ConnectionError(
        `POST ${this.environment.loginBaseUrl}/oauth/token answered without a usable token`,
        {
          code: 'invalid.response',
        },
      );
    }
    const margin = Math.min(lifetimeMs * this.#refreshRatio, this.#maxRefreshMarginMs);
    const held: HeldToken = {
      token: accessToken,
      expiresAt: startedAt + lifetimeMs,
      refreshAt: startedAt + lifetimeMs - margin,
    };
    if (!this.#closed) this.#current = held;
    return held;
  }

  #loginError(error: unknown, response: RawResponse | undefined): Error {
    const where = `POST ${this.environment.loginBaseUrl}/oauth/token`;
    if (!response) {
      if (error instanceof GenesysPromptError) return error;
      // Not attached as `cause`: a foreign HTTP client's error may hold the request's Basic header.
      return new ConnectionError(`${where} failed: ${error instanceof Error ? error.name : 'unknown error'}`);
    }
    const { status, headers } = response;
    if (status === 400 || status === 401) {
      const oauth = OAuthErrorSchema.safeParse(response.body);
      const reason = oauth.success
        ? `${oauth.data.error}${(oauth.data.description ?? oauth.data.error_description) ? `: ${oauth.data.description ?? oauth.data.error_description}` : ''}`
        : `status ${status}`;
      return new AuthenticationError(
        `OAuth login of client ${this.clientId} at ${this.environment.loginBaseUrl} was refused (${reason}); check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET for this environment`,
        {
          status,
          headers,
          code: oauth.success ? oauth.data.error : 'invalid_client',
          correlationId: headers['inin-correlation-id'],
        },
      );
    }
    const body = ErrorBodySchema.safeParse(response.body);
    return errorFromResponse(status, body.success ? body.data : undefined, headers, where);
  }
}
