/**
 * Writing HTTP answers the way Genesys does: JSON bodies, the `ININ-Correlation-Id` header on every
 * answer, and the error shape `{message, code, status, contextId, details, errors}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, type ErrorBody } from '../contract/errors.js';

/** Genesys error codes the emulator answers with. */
export const ERROR_CODES = {
  badRequest: 'bad.request',
  badCredentials: 'bad.credentials',
  authenticationRequired: 'authentication.required',
  missingPermissions: 'missing.any.permissions',
  forbidden: 'forbidden',
  notFound: 'not.found',
  methodNotAllowed: 'method.not.allowed',
  payloadTooLarge: 'request.entity.too.large',
  unsupportedMediaType: 'unsupported.media.type',
  internal: 'internal.server.error',
  badGateway: 'bad.gateway',
  unavailable: 'service.unavailable',
} as const;

/** Largest request body the emulator reads (1 MiB); larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown while handling a request to answer with a Genesys error. */
export class EmulatorHttpError extends Error {
  /** HTTP status to answer with. */
  readonly status: number;
  /** Genesys error code. */
  readonly code: string;
  /** `details` entries of the body. */
  readonly details: unknown[];
  /** Extra headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: unknown[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'EmulatorHttpError';
    this.status = status;
    this.code = code;
    this.details = extra.details ?? [];
    this.headers = extra.headers ?? {};
  }
}

/** Sends `body` as JSON with the correlation header. */
export function sendJson(
  res: ServerResponse,
  correlationId: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    [CORRELATION_HEADER]: correlationId,
    ...headers,
  });
  res.end(text);
}

/** Sends an error in the Genesys shape; `contextId` is the correlation id, as on Genesys. */
export function sendError(res: ServerResponse, correlationId: string, error: EmulatorHttpError): void {
  const body: ErrorBody = {
    message: error.message,
    code: error.code,
    status: error.status,
    contextId: correlationId,
    details: error.details,
    errors: [],
  };
  sendJson(res, correlationId, error.status, body, error.headers);
}

/** Reads the request body as text, up to `MAX_BODY_BYTES` (413 beyond). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (part: Buffer) => {
      if (failed) return;
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        failed = true;
        reject(
          new EmulatorHttpError(
            413,
            ERROR_CODES.payloadTooLarge,
            `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
          ),
        );
        return;
      }
      parts.push(part);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(parts).toString('utf8'));
    });
    req.on('error', (error) => {
      if (!failed) {
        failed = true;
        reject(error);
      }
    });
  });
}

/** Parses a JSON body; 400 `bad.request` when it is not JSON. An empty body is `undefined`. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EmulatorHttpError(400, ERROR_CODES.badRequest, 'The request body is not valid JSON.');
  }
}

/** One `details` entry per zod issue: the field's dotted path and what is wrong with it. */
export function validationDetails(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>,
): Array<{ errorCode: string; fieldName: string; errorMessage: string }> {
  return issues.map((issue) => ({
    errorCode: issue.code ?? 'invalid',
    fieldName: issue.path.map(String).join('.') || '(body)',
    errorMessage: issue.message,
  }));
}

/** A 400 listing every validation problem. */
export function validationError(
  what: string,
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string; code?: string }>,
): EmulatorHttpError {
  const details = validationDetails(issues);
  const summary = details.map((d) => `${d.fieldName}: ${d.errorMessage}`).join('; ');
  return new EmulatorHttpError(400, ERROR_CODES.badRequest, `Invalid ${what}: ${summary}`, { details });
}
