/** REST transport: keep-alive SDK HTTP client, pacing, retries, and the Genesys endpoints. */
export {
  GenesysApi,
  type GenesysApiOptions,
  type CallOptions,
  type CreateConversationOptions,
  type ApiResult,
} from './genesys-api.js';
export {
  RetryPolicy,
  type RetryPolicyOptions,
  type RetryAttempt,
  type RetryEvent,
  type RetryRunOptions,
  type RetryResult,
} from './retry-policy.js';
export {
  RateLimiter,
  leaseSharedRateLimiter,
  type RateLimiterOptions,
  type RateLimiterLease,
} from './rate-limiter.js';
export {
  KeepAliveHttpClient,
  HttpStatusError,
  type RawResponse,
  type RequestContext,
  type KeepAliveHttpClientOptions,
} from './keep-alive-http-client.js';
export { abortableSleep, type Sleep } from './abortable-sleep.js';
