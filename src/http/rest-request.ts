/**
 * One REST request as the pipeline takes it (method, path template, body, the scope it needs, the
 * schema of its answer), and the port through which anything outside `http/` sends one: a backend
 * with endpoints of its own uses `RestCaller` and gets login, pacing, retries and typed errors.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import type { z } from 'zod';

/** A request to one endpoint. */
export interface RestRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template with `{name}` parameters, e.g. `/api/v2/guides/{guideId}`. */
  path: string;
  pathParams: Record<string, string>;
  /** Query parameters (`?name=value`), encoded by the SDK. */
  query?: Record<string, string | number>;
  body?: unknown;
  /**
   * Writes the body's JSON when the request goes out — after any wait for a connection, so a waiting
   * request does not hold it — instead of `JSON.stringify(body)`.
   */
  bodyJson?: () => string;
  /** Extra headers (never `Authorization`: the pipeline sets it). */
  headers?: Record<string, string>;
  /** Scope or permission the endpoint needs, named in a 403's message. */
  scope?: string;
  /** Checks the 2xx body; `undefined` when the answer has none worth reading. */
  schema: z.ZodType<T> | undefined;
  /**
   * A hand-written equivalent of `schema`'s parse for a hot endpoint (undefined where the schema
   * fails; a property test holds the two together), tried first; the schema still words the error.
   */
  check?: (body: unknown) => T | undefined;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignalLike | undefined;
  /** Overall deadline of this call in ms, retries included (default: the retry policy's). */
  deadlineMs?: number | undefined;
}

/** A value and the retries (including a 401 re-login) it took. */
export interface ApiResult<T> {
  value: T;
  retries: number;
}

/** Sends requests through the shared pipeline: token, pacing, retries, re-login, typed errors. */
export interface RestCaller {
  /**
   * One logical call, retried per the policy.
   * @param request the endpoint and what to send
   * @param options signal and deadline
   * @throws ApiError subclasses, ConnectionError, TimeoutError, AbortError, InvalidResponseError
   */
  call<T>(request: RestRequest<T>, options: CallOptions): Promise<ApiResult<T>>;
}
