/**
 * The library alternative measured against the shared GCRA pacer: rate-limiter-flexible's
 * `RateLimiterRedis` used as its documentation shows, one fixed window of `rpm / 60` points per
 * second per client, a refused caller waiting `msBeforeNext`, and a server's `Retry-After` as
 * `block()`. Benchmark only; the product's pacer is src/fleet/redis-request-pacer.ts.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { abortableSleep } from '../src/timers/abortable-sleep.js';
import type { PacedClient, RequestPacer, RequestPacerFactory } from '../src/http/request-pacer.js';

/**
 * Pacers of one budget per client in Redis through rate-limiter-flexible.
 * @param store the Redis URL
 * @param keyPrefix the run's own key prefix
 */
export function rateLimiterFlexiblePacers(store: string, keyPrefix: string): RequestPacerFactory {
  return (client: PacedClient): RequestPacer => {
    const redis = new Redis(store, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: Math.max(1, Math.floor(client.requestsPerMinute / 60)),
      duration: 1,
    });
    return {
      async acquire(signal) {
        for (;;) {
          try {
            await limiter.consume(client.clientId);
            return;
          } catch (refusal) {
            if (!(refusal instanceof RateLimiterRes)) throw refusal;
            await abortableSleep(refusal.msBeforeNext, signal);
          }
        }
      },
      async pause(durationMs) {
        await limiter.block(client.clientId, Math.max(1, Math.ceil(durationMs / 1000)));
      },
      close() {
        redis.disconnect();
      },
    };
  };
}
