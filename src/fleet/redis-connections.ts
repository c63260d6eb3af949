/**
 * One Redis connection per store address in a process, shared by every pacer that names it and
 * closed when the last one lets go. Commands fail fast while the server is away (no offline queue, a
 * short command timeout) so a pacer can fall back to in-process pacing at once instead of waiting;
 * the client keeps reconnecting in the background. `ioredis` is loaded on first use, so the
 * single-process path never loads it.
 */
import type { Redis } from 'ioredis';
import type { RedisStoreAddress } from './redis-store-address.js';

/** How long one pacing command may take before the pacer treats the store as away (ms). */
export const STORE_COMMAND_TIMEOUT_MS = 1000;
/** How long the first connection may take before the pacer starts in-process (ms). */
export const STORE_CONNECT_TIMEOUT_MS = 2000;
/** Longest pause between reconnection attempts (ms). */
const MAX_RECONNECT_DELAY_MS = 2000;

/** A share of one connection. */
export interface RedisConnectionLease {
  readonly redis: Redis;
  /** Resolves true once the first connection is ready; false when it failed or took too long. */
  readonly firstReady: Promise<boolean>;
  /** Gives the share back; the last one closes the connection. Idempotent. */
  release(): void;
}

interface SharedConnection {
  redis: Redis;
  firstReady: Promise<boolean>;
  users: number;
}

const connections = new Map<string, Promise<SharedConnection>>();

function firstReadiness(redis: Redis): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const settle = (ready: boolean): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ready);
    };
    const onReady = (): void => settle(true);
    const onError = (): void => settle(false);
    const timer = setTimeout(() => settle(false), STORE_CONNECT_TIMEOUT_MS + 100);
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}

async function connect(address: RedisStoreAddress): Promise<SharedConnection> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(address.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: STORE_COMMAND_TIMEOUT_MS,
    connectTimeout: STORE_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), MAX_RECONNECT_DELAY_MS),
    // The pacer reports outages itself; without a listener ioredis would print them to the console.
    lazyConnect: false,
  });
  redis.on('error', () => undefined);
  return { redis, firstReady: firstReadiness(redis), users: 0 };
}

/**
 * Takes a share of the connection to `address`, opening it when this is the first.
 * @param address the store
 */
export async function leaseRedisConnection(address: RedisStoreAddress): Promise<RedisConnectionLease> {
  let pending = connections.get(address.url);
  if (pending === undefined) {
    pending = connect(address);
    connections.set(address.url, pending);
    const created = pending;
    created.catch(() => {
      if (connections.get(address.url) === created) connections.delete(address.url);
    });
  }
  const shared = await pending;
  shared.users++;
  let released = false;
  return {
    redis: shared.redis,
    firstReady: shared.firstReady,
    release() {
      if (released) return;
      released = true;
      shared.users--;
      if (shared.users === 0 && connections.get(address.url) === pending) {
        connections.delete(address.url);
        shared.redis.disconnect();
      }
    },
  };
}
