/**
 * Turns the `environment` setting (region name, domain, or base URL) into the login, REST and socket
 * origins, and the SDK call that points an `ApiClient` at them.
 */
import { ConfigurationError } from '../errors.js';
import { REGION_HOSTS } from './region-hosts.js';

/** Gateway settings of the SDK's `ApiClient.setGateway` (its `GatewayConfiguration`). */
export interface GatewayConfiguration {
  host: string;
  protocol?: string;
  port?: number;
  path_params_login?: string;
  path_params_api?: string;
}

/** Where the library talks to, resolved from the `environment` setting. */
export interface ResolvedEnvironment {
  /** What the setting was: a region name, a domain, or a base URL (emulator or gateway). */
  kind: 'region' | 'domain' | 'baseUrl';
  /** Origin of `POST /oauth/token`, e.g. `https://login.mypurecloud.com`. */
  loginBaseUrl: string;
  /** Origin of the REST API, e.g. `https://api.mypurecloud.com`. */
  apiBaseUrl: string;
  /** Origin of the direct WebSocket transport: the API origin as `wss://` (or `ws://` for plain http). */
  socketBaseUrl: string;
  /** For a base URL: what `ApiClient.setGateway` takes. */
  gateway?: GatewayConfiguration;
  /** For a region or domain: what `ApiClient.setEnvironment` takes. */
  sdkEnvironment?: string;
  /** Plain http:// and ws:// to hosts other than loopback were allowed (`allowInsecure`). */
  allowInsecure: boolean;
}

/** Options of `resolveEnvironment`. */
export interface ResolveEnvironmentOptions {
  /** Allow plain http:// and ws:// to hosts other than loopback (default false). */
  allowInsecure?: boolean;
}

const FIELD = 'environment';
const EXAMPLES = 'a region (us_east_1), a domain (mypurecloud.com) or a base URL (http://127.0.0.1:8787)';
const DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const REGION_RE = /^[a-z]{2,5}(?:_[a-z]+)+_\d+$/i;

/** True for `localhost`, `127.x.x.x` and `[::1]`: hosts plain http never leaves the machine for. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Resolves a region name (`us_east_1`), a domain (`mypurecloud.com`) or a base URL
 * (`http://127.0.0.1:8787`: login, REST and sockets all on that origin).
 * @param environment the setting, usually `GENESYS_ENVIRONMENT`
 * @param options `allowInsecure` permits plain http to a non-loopback host
 * @throws ConfigurationError when the setting is empty, unknown, or insecure
 */
export function resolveEnvironment(
  environment: string,
  options: ResolveEnvironmentOptions = {},
): ResolvedEnvironment {
  const value = environment.trim();
  if (value === '') {
    throw new ConfigurationError(
      FIELD,
      'is empty',
      `set GENESYS_ENVIRONMENT or the environment option to ${EXAMPLES}`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return fromBaseUrl(value, options);

  const regionDomain = REGION_HOSTS[value.toLowerCase()];
  if (regionDomain !== undefined) return fromDomain(regionDomain, 'region', options);
  if (REGION_RE.test(value)) {
    throw new ConfigurationError(
      FIELD,
      `"${value}" is not a known Genesys Cloud region`,
      `use one of ${Object.keys(REGION_HOSTS).join(', ')}, or the region's domain`,
    );
  }
  // `api.mypurecloud.com` and `login.mypurecloud.com` name the same environment as the bare domain.
  const domain = value.replace(/\/+$/, '').replace(/^(?:api|login)\./i, '');
  if (DOMAIN_RE.test(domain)) return fromDomain(domain.toLowerCase(), 'domain', options);
  throw new ConfigurationError(FIELD, `"${value}" is not a region, domain or URL`, `use ${EXAMPLES}`);
}

function fromDomain(
  domain: string,
  kind: 'region' | 'domain',
  options: ResolveEnvironmentOptions,
): ResolvedEnvironment {
  return {
    kind,
    allowInsecure: options.allowInsecure ?? false,
    loginBaseUrl: `https://login.${domain}`,
    apiBaseUrl: `https://api.${domain}`,
    socketBaseUrl: `wss://api.${domain}`,
    sdkEnvironment: domain,
  };
}

function fromBaseUrl(value: string, options: ResolveEnvironmentOptions): ResolvedEnvironment {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(FIELD, `"${value}" is not a valid URL`, `use ${EXAMPLES}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['http', 'https', 'ws', 'wss'].includes(scheme)) {
    throw new ConfigurationError(
      FIELD,
      `scheme "${scheme}:" is not supported`,
      'use an https:// (or, on loopback, http://) base URL',
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigurationError(
      FIELD,
      'a base URL must not carry credentials, a query or a fragment',
      'use only scheme://host:port[/path]',
    );
  }
  const secure = scheme === 'https' || scheme === 'wss';
  if (!secure && !options.allowInsecure && !isLoopbackHost(url.hostname)) {
    throw new ConfigurationError(
      FIELD,
      `plain ${scheme}:// to ${url.hostname} would send the client secret and tokens unencrypted`,
      'use https://, or pass allowInsecure: true if this network is trusted (loopback is always allowed)',
    );
  }
  const httpScheme = secure ? 'https' : 'http';
  const path = url.pathname.replace(/\/+$/, '');
  const origin = `${httpScheme}://${url.host}${path}`;
  const gateway: GatewayConfiguration = { host: url.hostname, protocol: httpScheme };
  if (url.port !== '') gateway.port = Number(url.port);
  if (path !== '') {
    gateway.path_params_login = path;
    gateway.path_params_api = path;
  }
  return {
    kind: 'baseUrl',
    allowInsecure: options.allowInsecure ?? false,
    loginBaseUrl: origin,
    apiBaseUrl: origin,
    socketBaseUrl: `${secure ? 'wss' : 'ws'}://${url.host}${path}`,
    gateway,
  };
}

/**
 * What is wrong with a socket URL the server handed out (a notification channel's `connectUri`), or
 * undefined when the environment's rule accepts it: `wss://`, or `ws://` only to loopback or with
 * `allowInsecure` — and to a host other than the environment's, only `wss://` (as Genesys serves
 * `streaming.{domain}`), whatever `allowInsecure` says.
 * @param url the URL as received
 * @param environment the resolved environment, with its `allowInsecure`
 */
export function socketUrlProblem(url: string, environment: ResolvedEnvironment): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  if (parsed.protocol === 'wss:') return undefined;
  const where = `${parsed.protocol}//${parsed.host}`;
  if (parsed.protocol !== 'ws:') return `${where} is not a WebSocket URL (ws:// or wss://)`;
  const host = parsed.hostname.toLowerCase();
  const home = new URL(environment.apiBaseUrl).hostname.toLowerCase();
  if (host !== home) {
    if (isLoopbackHost(host) && isLoopbackHost(home)) return undefined;
    return `${where} points to another host than the environment's (${home}) over plain ws://, and only wss:// is accepted there`;
  }
  if (isLoopbackHost(host) || environment.allowInsecure) return undefined;
  return `${where} is plain ws:// and would carry the answers unencrypted; the environment accepts wss:// only`;
}
