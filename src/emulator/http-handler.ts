/**
 * Every HTTP request of the emulator: `/oauth/token`, the `/api/v2` pipeline (latency, auth, rate
 * limit, injected faults, scope, operation) and the `/__emulator` control endpoints. Never throws:
 * anything unexpected becomes a 500 in the Genesys shape.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CORRELATION_HEADER, OAUTH_TOKEN_PATH, RATE_LIMIT_CODE } from '../contract/errors.js';
import { runApiOperation, type ApiOperationContext } from './api-operations.js';
import { matchApiRoute, type MatchedRoute } from './api-routes.js';
import { checkControlAccess } from './control-access.js';
import { handleControlRequest, CONTROL_PREFIX } from './control-endpoints.js';
import type { EmulatorCore } from './emulator-core.js';
import { EmulatorHttpError, ERROR_CODES, readBody, sendError, sendJson } from './http-replies.js';
import { answerTokenRequest } from './oauth-endpoint.js';
import type { IssuedToken } from './token-store.js';

const SERVER_ERROR_TEXT: Record<number, { code: string; message: string }> = {
  500: {
    code: ERROR_CODES.internal,
    message: 'The server encountered an unexpected condition which prevented it from fulfilling the request.',
  },
  502: { code: ERROR_CODES.badGateway, message: 'Bad Gateway: the upstream service did not answer.' },
  503: {
    code: ERROR_CODES.unavailable,
    message:
      'Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).',
  },
};

/** Creates the request listener of an emulator's HTTP server. */
export function createHttpHandler(core: EmulatorCore): (req: IncomingMessage, res: ServerResponse) => void {
  const context: ApiOperationContext = {
    assistants: core.assistants,
    assistantResponsesTopic: core.options.assistantResponsesTopic,
    engine: core.engine,
    channels: core.channels,
    idempotency: core.idempotency,
    faults: core.faults,
    socketOrigin: (host) => core.socketOriginFor(host),
    onReplay: () => {
      core.idempotentReplays += 1;
    },
    guides: core.guides,
  };
  return (req, res) => {
    const correlationId = correlationIdOf(req);
    handle(core, context, req, res, correlationId).catch((error: unknown) => {
      const answer =
        error instanceof EmulatorHttpError
          ? error
          : new EmulatorHttpError(500, ERROR_CODES.internal, 'The emulator failed to handle the request.');
      sendError(res, correlationId, answer);
    });
  };
}

async function handle(
  core: EmulatorCore,
  context: ApiOperationContext,
  req: IncomingMessage,
  res: ServerResponse,
  correlationId: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const pathname = pathOf(req.url);
  if (pathname.startsWith(CONTROL_PREFIX)) {
    checkControlAccess(req, { hosts: core.hosts, controlToken: core.options.controlToken });
    await handleControlRequest(core, method, pathname, req, res, correlationId);
    return;
  }
  if (pathname === OAUTH_TOKEN_PATH) {
    core.countRequest(`${method} ${OAUTH_TOKEN_PATH}`);
    if (method !== 'POST') throw notFound(method, pathname);
    const body = await readBody(req);
    answerTokenRequest(res, correlationId, core.tokens, header(req, 'authorization'), body);
    return;
  }
  const route = pathname.startsWith('/api/') ? matchApiRoute(method, pathname) : undefined;
  core.countRequest(route?.key ?? 'unmatched');
  if (pathname === '/api' || pathname.startsWith('/api/')) {
    const latency = core.faults.latencyMs();
    if (latency > 0) await core.delay(latency);
  }
  if (route === undefined) throw notFound(method, pathname);
  await handleApi(core, context, route, req, res, correlationId);
}

async function handleApi(
  core: EmulatorCore,
  context: ApiOperationContext,
  route: MatchedRoute,
  req: IncomingMessage,
  res: ServerResponse,
  correlationId: string,
): Promise<void> {
  const token = authenticate(core, header(req, 'authorization'));
  const limit = core.options.rateLimit;
  const counted = limit !== false && limit.per === 'client' ? `client:${token.clientId}` : token.token;
  const waitSeconds = core.rateLimiter?.take(counted) ?? 0;
  if (waitSeconds > 0) {
    core.rateLimited += 1;
    throw tooManyRequests(waitSeconds);
  }
  const fault = core.faults.nextApiFault();
  if (fault.kind === 'rate429') {
    core.faults.counts.rate429 += 1;
    throw tooManyRequests(fault.retryAfterSeconds);
  }
  const failAfter =
    fault.kind === 'status5xx' && fault.afterCreate && route.operation === 'createConversation';
  if (fault.kind === 'status5xx' && !failAfter) {
    core.faults.counts.rate5xx += 1;
    throw serverError(fault.status);
  }
  const accepted = route.scopes ?? [route.scope];
  if (!accepted.some((scope) => token.scopes.has(scope))) {
    throw new EmulatorHttpError(
      403,
      ERROR_CODES.missingPermissions,
      `Unable to perform the requested action. You must have at least one of the following scopes: [${accepted.join(', ')}]`,
    );
  }
  const body = await readBody(req);
  const query = new URLSearchParams(queryOf(req.url));
  const reply = runApiOperation(context, { route, token, headers: req.headers, body, query });
  if (fault.kind === 'status5xx' && failAfter) {
    // The create happened; only its answer is lost.
    core.faults.counts.rate5xx += 1;
    throw serverError(fault.status);
  }
  sendJson(res, correlationId, reply.status, reply.body);
}

function authenticate(core: EmulatorCore, authorization: string | undefined): IssuedToken {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) {
    throw new EmulatorHttpError(
      401,
      ERROR_CODES.authenticationRequired,
      'No authentication bearer token specified in authorization header.',
    );
  }
  const token = core.tokens.lookup(match[1]);
  if (token === undefined) {
    throw new EmulatorHttpError(
      401,
      ERROR_CODES.badCredentials,
      'Invalid login credentials: the access token is unknown or expired; log in again.',
    );
  }
  return token;
}

function tooManyRequests(seconds: number): EmulatorHttpError {
  return new EmulatorHttpError(
    429,
    RATE_LIMIT_CODE,
    `Rate limit exceeded the maximum. Retry the request in [${seconds}] seconds`,
    { headers: { 'Retry-After': String(seconds) } },
  );
}

function serverError(status: number): EmulatorHttpError {
  const text = SERVER_ERROR_TEXT[status] ??
    SERVER_ERROR_TEXT[500] ?? { code: ERROR_CODES.internal, message: '' };
  return new EmulatorHttpError(status, text.code, text.message);
}

function notFound(method: string, pathname: string): EmulatorHttpError {
  return new EmulatorHttpError(404, ERROR_CODES.notFound, `No resource at ${method} ${pathname}.`);
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

function queryOf(url: string | undefined): string {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  return query < 0 ? '' : raw.slice(query + 1);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's `ININ-Correlation-Id` when it sent a sane one, else a new UUID. */
function correlationIdOf(req: IncomingMessage): string {
  const given = header(req, CORRELATION_HEADER.toLowerCase());
  return given !== undefined && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}
