/**
 * Where a request goes, as `http.request` takes it — parsed once per URL. The SDK hands its HTTP
 * client a full URL string per request; parsing it (`new URL`) and converting it back to request
 * options cost more than the rest of building a request, and an injector sends to a handful of URLs.
 */

/** The parts of a URL a request needs. */
export interface RequestTarget {
  readonly isHttps: boolean;
  readonly protocol: string;
  /** Without IPv6 brackets, as `http.request` wants it. */
  readonly hostname: string;
  readonly port: number | undefined;
  /** Path and query. */
  readonly path: string;
  /** `user:password` when the URL carries them (as `http.request` would send them). */
  readonly auth?: string;
  /** `origin` + `pathname`, for messages (no query: it may carry ids, never secrets, but stays short). */
  readonly where: string;
}

/** URLs remembered, at most (the cache starts again when full). */
const MAX_TARGETS = 512;
let targets = new Map<string, RequestTarget>();

/**
 * The target of `url` with `params` appended to its query.
 * @param url an absolute http(s) URL
 * @param params query parameters (undefined and null skipped)
 * @throws TypeError for a URL that does not parse
 */
export function requestTarget(url: string, params: Record<string, unknown> | undefined): RequestTarget {
  const plain = params === undefined || isEmpty(params);
  if (plain) {
    const known = targets.get(url);
    if (known !== undefined) return known;
  }
  const parsed = new URL(url);
  if (!plain) {
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== null) parsed.searchParams.append(name, String(value));
    }
  }
  const credentials = parsed.username !== '' || parsed.password !== '';
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const target: RequestTarget = {
    isHttps: parsed.protocol === 'https:',
    protocol: parsed.protocol,
    hostname,
    port: parsed.port === '' ? undefined : Number(parsed.port),
    path: `${parsed.pathname}${parsed.search}`,
    where: `${parsed.origin}${parsed.pathname}`,
    ...(credentials
      ? { auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` }
      : {}),
  };
  // Credentials in a URL are never remembered (nor expected: the SDK sends a bearer header).
  if (plain && !credentials) {
    if (targets.size >= MAX_TARGETS) targets = new Map();
    targets.set(url, target);
  }
  return target;
}

/** Whether `record` has no own key (the SDK passes `{}` for most requests); allocates nothing. */
function isEmpty(record: Record<string, unknown>): boolean {
  for (const name in record) if (Object.hasOwn(record, name)) return false;
  return true;
}
