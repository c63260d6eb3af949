/**
 * A request pacer whose schedule lives in Redis, so every injector, process and host that names the
 * same store and scope spends one budget, and a server's `Retry-After` holds all of them. When the
 * store cannot be reached, pacing goes on in this process (the in-process limiter, shared by this
 * process's injectors of the same budget) with one logged warning, and returns to the store when it
 * answers again: never no pacing.
 */
import type { AbortSignalLike } from '../timers/abort-signal-like.js';
import { randomUUID } from 'node:crypto';
import { AbortError, RateLimitError } from '../errors.js';
import { RateLimiter, leaseSharedRateLimiter, type RateLimiterLease } from '../http/rate-limiter.js';
import type { PacedClient, RequestPacer } from '../http/request-pacer.js';
import { silentLogger, type Logger } from '../logger.js';
import { CancellableWaits } from '../timers/cancellable-waits.js';
import { pacingCommands, type PacingCommands } from './gcra-scripts.js';
import { budgetKeyStem, type RateLimitScope } from './pacing-scope.js';
import { leaseRedisConnection, type RedisConnectionLease } from './redis-connections.js';
import type { RedisStoreAddress } from './redis-store-address.js';

/** Default longest wait the store may ask of one request before it fails (ms). */
export const DEFAULT_MAX_PACER_WAIT_MS = 120_000;
/** Default prefix of the pacer's Redis keys. */
export const DEFAULT_PACER_KEY_PREFIX = 'genesys-prompt:pace';

/** Options of `RedisRequestPacer`. */
export interface RedisRequestPacerOptions {
  store: RedisStoreAddress;
  client: PacedClient;
  /** Whose budget (default `client`). */
  scope?: RateLimitScope;
  /** The organisation's name, with scope `organization`. */
  organization?: string;
  /** Prefix of the Redis keys (default `genesys-prompt:pace`); tests use one of their own. */
  keyPrefix?: string;
  /** Longest wait the store may ask of one request (default 120 000 ms); beyond it `RateLimitError`. */
  maxWaitMs?: number;
  /** Where fallback and recovery are reported (never the store's password). */
  logger?: Logger;
}

type StoreState = 'unknown' | 'shared' | 'local';

/** Paces one client's requests through a Redis store shared with other processes and hosts. */
export class RedisRequestPacer implements RequestPacer {
  readonly #store: RedisStoreAddress;
  readonly #scope: RateLimitScope;
  readonly #scheduleKey: string;
  readonly #pauseKey: string;
  readonly #sendLogKey: string;
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #perSecond: number;
  readonly #maxWaitMs: number;
  readonly #logger: Logger;
  readonly #local: RateLimiterLease;
  readonly #connection: Promise<RedisConnectionLease | undefined>;
  readonly #waits = new CancellableWaits();
  #state: StoreState = 'unknown';
  #closed = false;

  /**
   * @param options store, client and rate, scope, key prefix, wait cap, logger
   * @throws ConfigurationError for a bad scope or a missing organisation name
   */
  constructor(options: RedisRequestPacerOptions) {
    const { client } = options;
    this.#store = options.store;
    this.#scope = options.scope ?? 'client';
    const stem = budgetKeyStem(this.#scope, {
      apiBaseUrl: client.apiBaseUrl,
      clientId: client.clientId,
      organization: options.organization,
    });
    const prefix = options.keyPrefix ?? DEFAULT_PACER_KEY_PREFIX;
    // One hash slot for both keys ({...}), so the scripts also run on a Redis Cluster.
    this.#scheduleKey = `${prefix}:{${stem}}:schedule`;
    this.#pauseKey = `${prefix}:{${stem}}:pause`;
    this.#sendLogKey = `${prefix}:{${stem}}:sent`;
    const localOptions = {
      requestsPerMinute: client.requestsPerMinute,
      ...(client.requestBurst === undefined ? {} : { burst: client.requestBurst }),
    };
    // The fallback: this process's injectors of one budget share one in-process limiter.
    this.#local =
      this.#scope === 'token'
        ? ownLease(new RateLimiter(localOptions))
        : leaseSharedRateLimiter(client.apiBaseUrl, `${this.#scope}\n${stem}`, localOptions);
    const limiter = this.#local.limiter;
    const shape = pacingShape(limiter.requestsPerMinute, limiter.burst);
    this.#intervalMs = shape.intervalMs;
    this.#toleranceMs = shape.toleranceMs;
    this.#perSecond = shape.perSecond;
    this.#maxWaitMs = options.maxWaitMs ?? DEFAULT_MAX_PACER_WAIT_MS;
    this.#logger = options.logger ?? silentLogger;
    this.#connection = leaseRedisConnection(this.#store).then(
      (lease) => {
        if (this.#closed) {
          lease.release();
          return undefined;
        }
        return lease;
      },
      () => undefined,
    );
  }

  /** Where pacing happens now: `shared` (the store), `local` (fallback) or `unknown` (not yet used). */
  get state(): StoreState {
    return this.#state;
  }

  /**
   * Resolves when the caller may send one request.
   * @param signal gives up the wait with `AbortError`
   * @throws AbortError when the signal fires or the pacer is closed
   * @throws RateLimitError when the store asks for a wait longer than `maxWaitMs`
   */
  async acquire(signal?: AbortSignalLike): Promise<void> {
    for (;;) {
      if (this.#closed) throw new AbortError('the request pacer was closed');
      if (signal?.aborted) throw new AbortError();
      const commands = await this.#commands();
      if (commands === undefined) return this.#acquireLocally(signal, 'not connected');
      let waitMs: number;
      try {
        waitMs = await commands.reserveSlot(
          this.#scheduleKey,
          this.#pauseKey,
          this.#intervalMs,
          this.#toleranceMs,
        );
      } catch (error) {
        return this.#acquireLocally(signal, reasonOf(error));
      }
      this.#useStore();
      if (waitMs > this.#maxWaitMs) {
        throw new RateLimitError(
          `the shared rate limit asks this request to wait ${waitMs} ms, more than maxWaitMs (${this.#maxWaitMs} ms); ` +
            'send fewer requests at once, or raise the cap',
          { status: 429, code: 'pacer.wait.too.long', retryAfterMs: waitMs },
        );
      }
      if (waitMs > 0) {
        await this.#waits.sleep(waitMs, signal);
        // A 429 paused the client while we slept: book a new slot after the pause.
        if (await this.#pausedMeanwhile(commands)) continue;
      }
      if (await this.#recordSend(commands, signal)) return;
    }
  }

  /** The pause as this process knows it, from the 429s it saw (other processes' pauses act in the store). */
  pausedForMs(): number {
    return this.#local.limiter.pausedForMs();
  }

  /**
   * Holds every caller of this budget, in every process sharing the store, for `durationMs`.
   * @param durationMs how long (a 429's `Retry-After`)
   * @param _reason why, for the caller's logs
   */
  async pause(durationMs: number, _reason?: string): Promise<void> {
    this.#local.limiter.pause(durationMs);
    const commands = await this.#commands();
    if (commands === undefined) return;
    try {
      await commands.holdSchedule(this.#pauseKey, durationMs);
      this.#useStore();
    } catch (error) {
      this.#fallBack(reasonOf(error));
    }
  }

  /** Rejects waiting callers with `AbortError` and lets go of the connection and the fallback. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#waits.cancelAll(new AbortError('the request pacer was closed'));
    this.#local.release();
    const lease = await this.#connection;
    lease?.release();
  }

  /** The store's commands when it answers now; undefined while it does not. */
  async #commands(): Promise<PacingCommands | undefined> {
    const lease = await this.#connection;
    if (lease === undefined) return undefined;
    if (this.#state === 'unknown') await lease.firstReady;
    return lease.redis.status === 'ready' ? pacingCommands(lease.redis) : undefined;
  }

  /**
   * Counts this send in the shared sliding second, waiting while it is full (a slot released late by a
   * stalled process must not bunch with those on time). False when the store stopped answering: the
   * caller then books again, which falls back to in-process pacing.
   */
  async #recordSend(commands: PacingCommands, signal: AbortSignalLike | undefined): Promise<boolean> {
    if (!Number.isFinite(this.#perSecond)) return true;
    for (;;) {
      let waitMs: number;
      try {
        waitMs = await commands.recordSend(this.#sendLogKey, this.#perSecond, randomUUID());
      } catch {
        return false;
      }
      if (waitMs <= 0) return true;
      await this.#waits.sleep(waitMs, signal);
    }
  }

  async #pausedMeanwhile(commands: PacingCommands): Promise<boolean> {
    try {
      return (await commands.pauseRemainingMs(this.#pauseKey)) > 0;
    } catch {
      return false;
    }
  }

  #acquireLocally(signal: AbortSignalLike | undefined, reason: string): Promise<void> {
    this.#fallBack(reason);
    return this.#local.limiter.acquire(signal);
  }

  #fallBack(reason: string): void {
    if (this.#state === 'local' || this.#closed) return;
    this.#state = 'local';
    this.#logger.warn(
      { store: this.#store.label, scope: this.#scope, reason },
      'rate limit store unreachable: pacing within this process only until it answers again',
    );
  }

  #useStore(): void {
    if (this.#state === 'local') {
      this.#logger.info(
        { store: this.#store.label, scope: this.#scope },
        'rate limit store answers again: pacing shared through it',
      );
    }
    this.#state = 'shared';
  }
}

/** The in-process limiter's rules for a rate and burst (see `RateLimiter`): GCRA spacing and the per-second cap. */
function pacingShape(
  requestsPerMinute: number,
  burst: number,
): { intervalMs: number; toleranceMs: number; perSecond: number } {
  if (!Number.isFinite(requestsPerMinute)) return { intervalMs: 0, toleranceMs: 0, perSecond: Infinity };
  // Spacing at (rpm - burst + 1)/min keeps any 60 s window at or under rpm even after a burst.
  const intervalMs = 60_000 / Math.max(1, requestsPerMinute - burst + 1);
  const perSecond = Math.max(1, Math.ceil(requestsPerMinute / 60)) + burst - 1;
  return { intervalMs, toleranceMs: (burst - 1) * intervalMs, perSecond };
}

function ownLease(limiter: RateLimiter): RateLimiterLease {
  return { limiter, release: () => limiter.close() };
}

/** A short reason for logs: the error's class or code, never its message (it could name the URL). */
function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return 'unknown';
}
