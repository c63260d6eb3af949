/**
 * The `RequestPacerFactory` of a Redis store: what the injector's `rateLimitStore` option plugs in.
 * Each injector gets a pacer of its own over the process's one connection to the store.
 */
import type { PacedClient, RequestPacer, RequestPacerFactory } from '../http/request-pacer.js';
import type { Logger } from '../logger.js';
import type { RateLimitScope } from './pacing-scope.js';
import { RedisRequestPacer } from './redis-request-pacer.js';
import { parseRedisStoreAddress } from './redis-store-address.js';

/** Options of `redisRequestPacers`. */
export interface RedisPacerFactoryOptions {
  /** `redis://host:6379` (or `rediss://`): the store every sharing process names. */
  store: string;
  /** Whose budget (default `client`). */
  scope?: RateLimitScope;
  /** With scope `organization`: the organisation's name, the same in every process. */
  organization?: string;
  /** Prefix of the Redis keys (default `genesys-prompt:pace`). */
  keyPrefix?: string;
  /** Where falling back to in-process pacing, and recovering, are reported. */
  logger?: Logger;
}

/**
 * A factory of pacers that share one budget through Redis.
 * @param options store, scope, organisation, key prefix, logger
 * @throws ConfigurationError naming `rateLimitStore` for an address that is not redis:// or rediss://
 */
export function redisRequestPacers(options: RedisPacerFactoryOptions): RequestPacerFactory {
  const store = parseRedisStoreAddress('rateLimitStore', options.store);
  return (client: PacedClient): RequestPacer =>
    new RedisRequestPacer({
      store,
      client,
      ...(options.scope === undefined ? {} : { scope: options.scope }),
      ...(options.organization === undefined ? {} : { organization: options.organization }),
      ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
}
