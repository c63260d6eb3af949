/**
 * The HTTP client the SDK's `ApiClient` sends through (its documented `setHttpClient` extension
 * point). Node's own http/https with keep-alive agents, a per-request timeout and AbortSignal, and
 * the raw status, headers and body of every answer — which the SDK's default client (axios, no
 * keep-alive for http, no abort, body-only errors) does not give.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import http from 'node:http';
import https from 'node:https';
import { AbortError, ConnectionError, LimitExceededError, TimeoutError } from '../errors.js';
import { DEFAULT_RESPONSE_LIMITS, LIMIT_OPTION } from '../limits.js';
import { DeadlineEntry, DeadlineQueue } from '../timers/deadline-queue.js';
import { requestTarget } from './request-target.js';
import { RequestSlots } from './request-slots.js';
import type { SdkHttpClient, SdkHttpRequest, SdkHttpResponse } from './sdk-binding.js';

/** An HTTP answer as received: status, lower-case headers, parsed body (JSON or text). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Per-request settings and the place the answer is recorded, for one SDK call. */
export interface RequestContext {
  signal?: AbortSignalLike | undefined;
  timeoutMs?: number | undefined;
  /** Filled in when an answer (any status) arrives. */
  response?: RawResponse;
}

/** Rejection for a non-2xx answer, shaped like axios's so the SDK's error path works unchanged. */
export class HttpStatusError extends Error {
  readonly response: SdkHttpResponse;
  constructor(response: SdkHttpResponse) {
    super(`HTTP ${response.status}`);
    this.name = 'HttpStatusError';
    this.response = response;
  }
}

/** Options of `KeepAliveHttpClient`. */
export interface KeepAliveHttpClientOptions {
  /** Default per-request timeout in ms when a call gives none (default 30 000). */
  timeoutMs?: number;
  /** Agent for https (e.g. the caller's mTLS or proxy agent); not destroyed by `close()`. */
  httpsAgent?: https.Agent;
  /** Largest answer body in bytes, counted as it arrives (default `limits.maxResponseBodyBytes`, 32 MiB). */
  maxResponseBodyBytes?: number;
  /**
   * Connections per origin at most, in the agents this client creates (default 64): requests past it
   * wait for a free connection instead of opening more (a caller's https agent keeps its own limit).
   */
  maxSockets?: number;
}

/** How long an aborted request that was already sent may take to answer before its connection goes. */
const ABORT_DRAIN_MS = 1000;

/** Keep-alive connections per origin when the caller sets none. */
export const DEFAULT_MAX_SOCKETS = 64;

/**
 * SDK HTTP client on Node's http/https with keep-alive connections. Defined without the SDK; once the
 * SDK is loaded, `inheritSdkHttpClient` puts the SDK's `AbstractHttpClient` under it.
 */
export class KeepAliveHttpClient implements SdkHttpClient {
  /** Default per-request timeout in ms (the SDK may set it). */
  timeout: number;
  /** Set by the SDK's `setProxyAgent` / `setMTLSContents`; preferred for https when present. */
  declare httpsAgent: https.Agent | undefined;
  #httpAgent: http.Agent;
  #httpsAgent: https.Agent;
  #ownsHttpsAgent: boolean;
  #next: RequestContext | undefined;
  #closed = false;
  /** Every request's timeout, on one timer per duration rather than a timer per request. */
  readonly #timeouts = new DeadlineQueue();
  readonly #maxBodyBytes: number;
  /**
   * One per pooled connection: a caller takes one before it builds a request (the REST pipeline
   * does), so requests past the pool wait as a small record, not as a built request in the agent's
   * queue. A caller's https agent keeps its own limit (Infinity when it sets none).
   */
  readonly slots: RequestSlots;

  /** @param options default timeout, optional https agent, body size limit, pool size */
  constructor(options: KeepAliveHttpClientOptions = {}) {
    this.timeout = options.timeoutMs ?? 30_000;
    this.#maxBodyBytes = options.maxResponseBodyBytes ?? DEFAULT_RESPONSE_LIMITS.maxResponseBodyBytes;
    this.#ownsHttpsAgent = options.httpsAgent === undefined;
    // Bounded: an unbounded pool opens a connection per concurrent request, thousands under load,
    // and overflows the server's listen queue.
    const pool = {
      keepAlive: true,
      scheduling: 'lifo',
      maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS,
    } as const;
    this.#httpAgent = new http.Agent(pool);
    this.#httpsAgent = options.httpsAgent ?? new https.Agent(pool);
    // An agent-like object without a socket limit (a proxy agent of another package) sets none.
    const callersLimit = (options.httpsAgent as { maxSockets?: number } | undefined)?.maxSockets;
    this.slots = new RequestSlots(
      options.httpsAgent === undefined
        ? pool.maxSockets
        : typeof callersLimit === 'number' && callersLimit >= 1
          ? callersLimit
          : Infinity,
    );
  }

  /**
   * Runs `start` (an SDK call) with `context` attached to the request it dispatches. The SDK calls
   * its HTTP client synchronously inside `callApi` / `loginClientCredentialsGrant`, so a slot set
   * around the call is enough — no AsyncLocalStorage and its per-promise cost.
   * @param context signal, timeout, and where to record the answer
   * @param start the SDK call
   */
  withContext<T>(context: RequestContext, start: () => T): T {
    this.#next = context;
    try {
      return start();
    } finally {
      this.#next = undefined;
    }
  }

  /** SDK hook support is not offered by this client; the hooks are accepted and ignored. */
  enableHooks(): void {}

  /**
   * Sends one request (called by the SDK).
   * @param options the SDK's request description
   */
  request(options: SdkHttpRequest): Promise<SdkHttpResponse> {
    const context = this.#next ?? {};
    this.#next = undefined;
    if (this.#closed)
      return Promise.reject(new ConnectionError('the HTTP client is closed', { code: 'client.closed' }));
    if (context.signal?.aborted) return Promise.reject(new AbortError());

    const target = requestTarget(options.url, options.params);
    const headers: Record<string, string> = {};
    const given = options.headers;
    // for-in, not Object.entries: no array of pairs per request.
    for (const name in given) {
      const value = given[name];
      if (value !== undefined && value !== null) headers[name] = String(value);
    }
    const payload = encodeBody(options.data, headers);
    const { isHttps } = target;
    const where = `${options.method} ${target.where}`;
    const timeoutMs = context.timeoutMs ?? this.timeout;
    const maxBodyBytes = this.#maxBodyBytes;

    return new Promise<SdkHttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, response?: SdkHttpResponse): void => {
        if (settled) return;
        settled = true;
        this.#timeouts.remove(timeout);
        context.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response as SdkHttpResponse);
      };
      const req = (isHttps ? https : http).request({
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        ...(target.auth === undefined ? {} : { auth: target.auth }),
        method: options.method,
        headers,
        agent: isHttps ? (this.httpsAgent ?? this.#httpsAgent) : this.#httpAgent,
      });
      const timeout = new RequestTimeout(req, where, timeoutMs);
      this.#timeouts.add(timeout, timeoutMs);
      const onAbort = (): void => {
        // Not on a connection yet: dropped from the agent's queue, no connection lost.
        if (req.socket === null || req.socket === undefined) {
          req.destroy(new AbortError());
          return;
        }
        // Sent already: the caller gets its AbortError now, and the answer is read and dropped so
        // that the keep-alive connection serves the next request rather than being destroyed and
        // replaced; an answer that is not in within ABORT_DRAIN_MS costs the connection after all.
        finish(new AbortError());
        const drainTimer = setTimeout(() => req.destroy(), Math.min(ABORT_DRAIN_MS, timeoutMs));
        req.once('close', () => clearTimeout(drainTimer));
      };
      context.signal?.addEventListener('abort', onAbort, { once: true });

      req.on('error', (error) => finish(transportError(error, where)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const tooLarge = (): void => {
          const error = new LimitExceededError(
            `the answer body of ${where}`,
            LIMIT_OPTION.maxResponseBodyBytes,
            maxBodyBytes,
            'bytes',
          );
          chunks.length = 0;
          finish(error);
          res.on('error', () => undefined);
          // The connection carries the rest of the body: it cannot be reused.
          req.destroy(error);
        };
        // A declared length over the limit is refused before a byte of the body is read.
        if (Number(res.headers['content-length'] ?? 0) > maxBodyBytes) {
          tooLarge();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          if (received > maxBodyBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on('error', (error) => finish(transportError(error, where)));
        res.on('aborted', () =>
          finish(new ConnectionError(`${where}: the connection was reset mid-answer; retry`)),
        );
        res.on('end', () => {
          if (settled) return;
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = flattenHeaders(res.headers);
          const body = parseBody(text, responseHeaders['content-type']);
          const status = res.statusCode ?? 0;
          context.response = { status, headers: responseHeaders, body };
          const answer: SdkHttpResponse = {
            status,
            statusText: res.statusMessage ?? '',
            headers: responseHeaders,
            data: body,
            text,
          };
          if (status >= 200 && status < 300) finish(undefined, answer);
          else finish(new HttpStatusError(answer));
        });
      });
      req.end(payload);
    });
  }

  /** Destroys the keep-alive connections (the https agent only when this client created it). */
  close(): void {
    this.#closed = true;
    this.slots.rejectWaiting(new ConnectionError('the HTTP client is closed', { code: 'client.closed' }));
    this.#httpAgent.destroy();
    if (this.#ownsHttpsAgent) this.#httpsAgent.destroy();
  }
}

/** A request's timeout: when it passes, the request is destroyed with a `TimeoutError`. */
class RequestTimeout extends DeadlineEntry {
  readonly #req: http.ClientRequest;
  readonly #where: string;
  readonly #timeoutMs: number;

  constructor(req: http.ClientRequest, where: string, timeoutMs: number) {
    super();
    this.#req = req;
    this.#where = where;
    this.#timeoutMs = timeoutMs;
  }

  onDeadline(): void {
    this.#req.destroy(
      new TimeoutError(
        `${this.#where} got no complete answer within ${this.#timeoutMs} ms; raise timeoutMs or retry`,
      ),
    );
  }
}

function encodeBody(data: unknown, headers: Record<string, string>): string | undefined {
  if (data === undefined || data === null) return undefined;
  let hasType = false;
  for (const name in headers) if (name.toLowerCase() === 'content-type') hasType = true;
  if (typeof data === 'string') {
    // The SDK's client-credentials login posts `grant_type=...` without a Content-Type.
    if (!hasType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return data;
  }
  if (!hasType) headers['Content-Type'] = 'application/json';
  return JSON.stringify(data);
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (contentType?.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

function transportError(error: Error, where: string): Error {
  if (error instanceof AbortError || error instanceof TimeoutError || error instanceof ConnectionError)
    return error;
  const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
  // Node's socket errors carry no request headers, so keeping them as `cause` leaks nothing.
  return new ConnectionError(`${where} failed (${code}); check the environment and network, or retry`, {
    cause: error,
  });
}
