/**
 * Error and OAuth shapes (docs/protocol.md: OAuth, errors; real Genesys behaviour).
 */
import { z } from 'zod';

/** Body of every Genesys API error. */
export const ErrorBodySchema = z.object({
  message: z.string(),
  code: z.string(),
  status: z.number().int(),
  contextId: z.string().optional(),
  details: z.array(z.unknown()).default([]),
  errors: z.array(z.unknown()).default([]),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Header carrying the request's correlation id. */
export const CORRELATION_HEADER = 'ININ-Correlation-Id';
/** Code of a 429 answer; `Retry-After` says how many seconds to wait. */
export const RATE_LIMIT_CODE = 'too.many.requests.retry.after';

export const OAUTH_TOKEN_PATH = '/oauth/token';

/** 200 body of `POST /oauth/token`. */
export const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** 400/401 body of `POST /oauth/token`. */
export const OAuthErrorSchema = z.object({
  error: z.string(),
  description: z.string().optional(),
  error_description: z.string().optional(),
});
export type OAuthError = z.infer<typeof OAuthErrorSchema>;

/** Default token lifetime on Genesys Cloud. */
export const DEFAULT_TOKEN_LIFETIME_S = 86_399;
