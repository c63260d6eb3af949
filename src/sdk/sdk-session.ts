/**
 * One SDK `ApiClient` pointed at the environment and sending through the keep-alive HTTP client —
 * made on first use, because making it loads the SDK. The login and the REST pipeline share it. A
 * caller's own `ApiClient` may be used instead; its HTTP client is restored on `close()`.
 */
import type { Agent as HttpsAgent } from 'node:https';
import type { ResolvedEnvironment } from '../environment/resolve-environment.js';
import { AbortError, ConfigurationError } from '../errors.js';
import { KeepAliveHttpClient } from './keep-alive-http-client.js';
import {
  createSdkApiClient,
  inheritSdkHttpClient,
  isSdkApiClient,
  loadSdk,
  type SdkApiClient,
  type SdkHttpClient,
} from './sdk-binding.js';

/** Options of `SdkSession`. */
export interface SdkSessionOptions {
  /** Where the `ApiClient` points (from `resolveEnvironment`). */
  environment: ResolvedEnvironment;
  /** A caller's SDK `ApiClient`; a private one is created when omitted. */
  apiClient?: unknown;
  /** Default request timeout of the HTTP client in ms (default 30 000). */
  timeoutMs?: number;
  /** Largest answer body in bytes (default: the HTTP client's). */
  maxResponseBodyBytes?: number;
  /** Keep-alive connections per origin at most (default: the HTTP client's, 64). */
  maxSockets?: number;
}

/** The SDK client and the HTTP client it sends through. */
export interface SdkConnection {
  readonly apiClient: SdkApiClient;
  /** Reports each raw answer (`withContext`), so errors keep their status and headers. */
  readonly httpClient: KeepAliveHttpClient;
}

/** The `ApiClient` of one injector, made when first needed. */
export class SdkSession {
  readonly #options: SdkSessionOptions;
  #opening: Promise<SdkConnection> | undefined;
  #connection: SdkConnection | undefined;
  /** The caller's `ApiClient` had this HTTP client before ours (restored on close). */
  #previousHttpClient: SdkHttpClient | undefined;
  #closed = false;

  /**
   * Checks the options only; nothing is loaded or connected until `open()`.
   * @param options environment, optional caller `ApiClient`, timeout, body limit
   * @throws ConfigurationError when `apiClient` is not an SDK `ApiClient`
   */
  constructor(options: SdkSessionOptions) {
    if (options.apiClient !== undefined && !isSdkApiClient(options.apiClient)) {
      throw new ConfigurationError(
        'apiClient',
        'is not an ApiClient of purecloud-platform-client-v2',
        'pass an instance of platformClient.ApiClientClass, or omit apiClient',
      );
    }
    this.#options = options;
  }

  /** The `ApiClient` and its HTTP client once set up (no wait), while the session is open. */
  get current(): SdkConnection | undefined {
    return this.#closed ? undefined : this.#connection;
  }

  /**
   * The `ApiClient` and its HTTP client: loads the SDK and sets them up on the first call.
   * @throws AbortError when the session was closed
   */
  open(): Promise<SdkConnection> {
    if (this.#closed) return Promise.reject(new AbortError('the SDK session was closed'));
    this.#opening ??= this.#connect();
    return this.#opening;
  }

  /** Releases keep-alive connections; restores a caller's `ApiClient` HTTP client. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const connection = this.#connection;
    if (connection === undefined) return;
    connection.httpClient.close();
    if (this.#options.apiClient !== undefined) {
      if (this.#previousHttpClient) connection.apiClient.setHttpClient(this.#previousHttpClient);
      else connection.apiClient.httpClient = undefined;
    }
  }

  async #connect(): Promise<SdkConnection> {
    const sdk = await loadSdk();
    if (this.#closed) throw new AbortError('the SDK session was closed');
    inheritSdkHttpClient(sdk, KeepAliveHttpClient);
    const { environment, timeoutMs, maxResponseBodyBytes, maxSockets } = this.#options;
    const callers = this.#options.apiClient as SdkApiClient | undefined;
    const apiClient = callers ?? createSdkApiClient(sdk);
    // The caller's client keeps its proxy / mTLS agent; its own HTTP client is restored on close().
    this.#previousHttpClient = callers?.httpClient;
    const httpClient = new KeepAliveHttpClient({
      timeoutMs: timeoutMs ?? 30_000,
      httpsAgent: apiClient.proxyAgent as HttpsAgent | undefined,
      ...(maxResponseBodyBytes === undefined ? {} : { maxResponseBodyBytes }),
      ...(maxSockets === undefined ? {} : { maxSockets }),
    });
    apiClient.setHttpClient(httpClient);
    if (environment.gateway) {
      apiClient.setGateway(environment.gateway);
    } else {
      apiClient.setGateway(undefined);
      apiClient.setEnvironment(environment.sdkEnvironment ?? 'mypurecloud.com');
    }
    this.#connection = { apiClient, httpClient };
    return this.#connection;
  }
}
