/**
 * `POST /oauth/token` as Genesys answers it (docs/protocol.md, OAuth): Basic auth, a form body with
 * `grant_type=client_credentials`, and OAuth-shaped errors.
 */
import type { ServerResponse } from 'node:http';
import type { OAuthError, TokenResponse } from '../contract/errors.js';
import { sendJson } from './http-replies.js';
import type { TokenStore } from './token-store.js';

function oauthError(
  res: ServerResponse,
  correlationId: string,
  status: number,
  error: string,
  description: string,
): void {
  const body: OAuthError = { error, description, error_description: description };
  sendJson(res, correlationId, status, body, status === 401 ? { 'WWW-Authenticate': 'Basic' } : {});
}

/** The client id and secret of a `Basic` authorization header, or undefined when there is none. */
export function parseBasicAuth(
  header: string | undefined,
): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

/**
 * Answers one token request.
 * @param authorization the `Authorization` header
 * @param body the raw (form-encoded) body
 */
export function answerTokenRequest(
  res: ServerResponse,
  correlationId: string,
  tokens: TokenStore,
  authorization: string | undefined,
  body: string,
): void {
  const credentials = parseBasicAuth(authorization);
  if (credentials === undefined) {
    oauthError(res, correlationId, 401, 'invalid_client', 'client authentication (HTTP Basic) is required');
    return;
  }
  const client = tokens.authenticate(credentials.clientId, credentials.clientSecret);
  if (client === undefined) {
    oauthError(res, correlationId, 401, 'invalid_client', 'client not found or bad client secret');
    return;
  }
  const grantType = new URLSearchParams(body).get('grant_type');
  if (grantType === null || grantType === '') {
    oauthError(res, correlationId, 400, 'invalid_request', 'grant_type is required');
    return;
  }
  if (grantType !== 'client_credentials') {
    oauthError(
      res,
      correlationId,
      400,
      'unsupported_grant_type',
      `grant type "${grantType}" is not supported; use client_credentials`,
    );
    return;
  }
  const issued = tokens.issue(client);
  const answer: TokenResponse = {
    access_token: issued.token,
    token_type: 'bearer',
    expires_in: tokens.lifetimeSeconds,
  };
  sendJson(res, correlationId, 200, answer, { 'Cache-Control': 'no-store' });
}
