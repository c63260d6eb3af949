/**
 * Typed access to the parts of the official SDK `purecloud-platform-client-v2` this library uses,
 * loaded on first use: importing the SDK takes about a second, which neither importing this library
 * nor `genesys-prompt --help` should pay. The SDK's own declarations do not export `ApiClientClass` or
 * `AbstractHttpClient` as values, so the subset we rely on is declared here once, against the SDK's
 * source (v262).
 */
import type { GatewayConfiguration } from '../environment/resolve-environment.js';

export type { GatewayConfiguration };

/** The request the SDK hands to its HTTP client (`HttpRequestOptions`). */
export interface SdkHttpRequest {
  url: string;
  method: string;
  headers?: Record<string, unknown>;
  params?: Record<string, unknown>;
  data?: unknown;
  timeout: number;
}

/** The axios-like answer the SDK expects from its HTTP client. */
export interface SdkHttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  data: unknown;
  text?: string;
}

/** The SDK's pluggable HTTP client contract (`AbstractHttpClient`). */
export interface SdkHttpClient {
  timeout: number;
  request(options: SdkHttpRequest): Promise<SdkHttpResponse>;
}

/** What `loginClientCredentialsGrant` resolves to. */
export interface SdkAuthData {
  accessToken: string;
  tokenExpiryTime: number;
}

/** The subset of the SDK's `ApiClient` this library uses. */
export interface SdkApiClient {
  config: {
    environment: string;
    basePath: string;
    gateway?: GatewayConfiguration;
    refresh_access_token: boolean;
    live_reload_config: boolean;
    getConfUrl(pathType: 'login' | 'api', regionUrl: string): string;
  };
  httpClient?: SdkHttpClient;
  proxyAgent?: unknown;
  timeout: number;
  setEnvironment(environment: string): void;
  setGateway(gateway: GatewayConfiguration | undefined): void;
  setHttpClient(client: SdkHttpClient): void;
  loginClientCredentialsGrant(clientId: string, clientSecret: string): Promise<SdkAuthData>;
  callApi(
    path: string,
    httpMethod: string,
    pathParams: Record<string, string>,
    queryParams: Record<string, unknown>,
    headerParams: Record<string, unknown>,
    formParams: Record<string, unknown>,
    bodyParam: unknown,
    authNames: string[],
    contentTypes: string[],
    accepts: string[],
    customHeaders?: Record<string, string>,
  ): Promise<unknown>;
}

/** Constructor of the SDK's `AbstractHttpClient`, whose `instanceof` check `setHttpClient` makes. */
type AbstractHttpClientConstructor = abstract new () => { timeout: number };

/** The values of the SDK module this library uses. */
export interface SdkModule {
  ApiClientClass: new () => SdkApiClient;
  AbstractHttpClient: AbstractHttpClientConstructor;
  PureCloudRegionHosts: Record<string, string>;
}

let loading: Promise<SdkModule> | undefined;

/** Imports the SDK once, on the first call; later calls share the same promise. */
export function loadSdk(): Promise<SdkModule> {
  loading ??= import('purecloud-platform-client-v2').then(
    (module) => ((module as { default?: unknown }).default ?? module) as SdkModule,
  );
  return loading;
}

/**
 * Makes the instances of `httpClientClass` pass the SDK's `instanceof AbstractHttpClient` check (its
 * documented `setHttpClient` extension point demands it) by putting the SDK's class under it — once,
 * when the SDK is loaded, so the class can be defined without loading the SDK.
 * @param sdk the loaded SDK
 * @param httpClientClass a class implementing `SdkHttpClient`
 */
export function inheritSdkHttpClient(
  sdk: SdkModule,
  httpClientClass: abstract new (...args: never[]) => object,
): void {
  const base = sdk.AbstractHttpClient.prototype as object;
  if (!Object.prototype.isPrototypeOf.call(base, httpClientClass.prototype)) {
    Object.setPrototypeOf(httpClientClass.prototype, base);
  }
}

/**
 * A new, private `ApiClient` — never the process-wide singleton (`platformClient.ApiClient`), which
 * the SDK creates at import time and which therefore is never the one returned here.
 * @param sdk the loaded SDK (`await loadSdk()`)
 */
export function createSdkApiClient(sdk: SdkModule): SdkApiClient {
  const client = new sdk.ApiClientClass();
  // No config-file polling (the SDK watches ~/.genesyscloudjavascript/config by default) and no
  // SDK-side token refresh: this library owns both.
  client.config.live_reload_config = false;
  client.config.refresh_access_token = false;
  // The SDK formats a log line for every request (headers included) and hands it to a winston
  // console transport even at level "none"; this library logs through its own redacting logger.
  const sdkLogger = (
    client.config as { logger?: { log_to_console: boolean; setLogger(): void; log: unknown } }
  ).logger;
  if (sdkLogger) {
    sdkLogger.log_to_console = false;
    sdkLogger.setLogger();
    sdkLogger.log = () => undefined;
  }
  return client;
}

/** True when `value` looks like an SDK `ApiClient` (has `callApi` and `loginClientCredentialsGrant`). */
export function isSdkApiClient(value: unknown): value is SdkApiClient {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<SdkApiClient>;
  return (
    typeof candidate.callApi === 'function' && typeof candidate.loginClientCredentialsGrant === 'function'
  );
}
