import { afterEach, describe, expect, it } from 'vitest';
import { AbortError } from '../../src/errors.js';
import { RedisRequestPacer, type RedisRequestPacerOptions } from '../../src/fleet/redis-request-pacer.js';
import { parseRedisStoreAddress } from '../../src/fleet/redis-store-address.js';
import { handleCounts } from '../injector-kit.js';
import {
  REDIS_URL,
  cleanRedis,
  recordingLogger,
  startPrivateRedis,
  testPrefix,
  type PrivateRedis,
} from './redis-kit.js';

const opened: RedisRequestPacer[] = [];
let privateRedis: PrivateRedis | undefined;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((pacer) => pacer.close()));
  await privateRedis?.stop();
  privateRedis = undefined;
  await cleanRedis();
});

const CLIENT = { apiBaseUrl: 'http://127.0.0.1:1', clientId: 'fleet-client', requestBurst: 1 };

/** A pacer; `url` differs per simulated process so each gets a connection of its own. */
function pacer(
  url: string,
  keyPrefix: string,
  extra: Partial<RedisRequestPacerOptions> = {},
): RedisRequestPacer {
  const made = new RedisRequestPacer({
    store: parseRedisStoreAddress('rateLimitStore', url),
    client: { ...CLIENT, requestsPerMinute: 1200 },
    keyPrefix,
    ...extra,
  });
  opened.push(made);
  return made;
}

/** Acquires `count` slots concurrently and returns when each was granted (ms since `start`). */
async function grants(pacers: RedisRequestPacer[], count: number, start: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(
    pacers.flatMap((p) =>
      Array.from({ length: count }, async () => {
        await p.acquire();
        times.push(performance.now() - start);
      }),
    ),
  );
  return times.sort((a, b) => a - b);
}

/**
 * No grant before its slot: with one schedule spaced `intervalMs`, the k-th grant of a batch comes no
 * sooner than (k - 1) intervals after the batch started (the first slot may be due at once). A lower
 * bound only: a loaded machine makes grants later, never earlier (timers fire at most a ms early).
 */
function expectSpaced(times: number[], intervalMs: number): void {
  for (let k = 1; k < times.length; k++) {
    expect(times[k]!).toBeGreaterThanOrEqual((k - 1) * intervalMs - 3);
  }
}

describe('RedisRequestPacer', () => {
  it('spaces the requests of two processes on one schedule (scope client)', async () => {
    const prefix = testPrefix();
    // Two URLs for one server: two connections, as two processes would have.
    const first = pacer(REDIS_URL, prefix);
    const second = pacer(`${REDIS_URL}/0`, prefix);
    await Promise.all([first.acquire(), second.acquire()]); // connect both before timing
    const times = await grants([first, second], 5, performance.now());
    expect(times).toHaveLength(10);
    expectSpaced(times, 50);
    expect(first.state).toBe('shared');
    expect(second.state).toBe('shared');
  });

  it('holds every process when one of them is told to pause', async () => {
    const prefix = testPrefix();
    const told = pacer(REDIS_URL, prefix);
    const other = pacer(`${REDIS_URL}/0`, prefix);
    await Promise.all([told.acquire(), other.acquire()]);
    const start = performance.now();
    await told.pause(400, 'retry-after');
    await other.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(397);
  });

  it('keeps budgets apart for different clients and for scope token', async () => {
    const prefix = testPrefix();
    const slow = { ...CLIENT, requestsPerMinute: 6 }; // one every 10 s: a second acquire would wait
    const a = pacer(REDIS_URL, prefix, { client: { ...slow, clientId: 'a' } });
    const b = pacer(REDIS_URL, prefix, { client: { ...slow, clientId: 'b' } });
    const tokenA = pacer(REDIS_URL, prefix, { client: slow, scope: 'token' });
    const tokenB = pacer(REDIS_URL, prefix, { client: slow, scope: 'token' });
    // Each resolves at once: were any two sharing a budget, one would wait 10 s and the test time out.
    await Promise.all([a.acquire(), b.acquire(), tokenA.acquire(), tokenB.acquire()]);
    const sameClient = pacer(`${REDIS_URL}/0`, prefix, { client: { ...slow, clientId: 'a' } });
    const controller = new AbortController();
    const waiting = sameClient.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });

  it('shares one organisation budget between clients that name it', async () => {
    const prefix = testPrefix();
    const org = { scope: 'organization' as const, organization: 'acme' };
    const first = pacer(REDIS_URL, prefix, {
      ...org,
      client: { ...CLIENT, clientId: 'a', requestsPerMinute: 1200 },
    });
    const second = pacer(`${REDIS_URL}/0`, prefix, {
      ...org,
      client: { ...CLIENT, clientId: 'b', requestsPerMinute: 1200 },
    });
    await Promise.all([first.acquire(), second.acquire()]);
    expectSpaced(await grants([first, second], 3, performance.now()), 50);
  });

  it('refuses scope organization without a name, naming the option', () => {
    expect(() => pacer(REDIS_URL, testPrefix(), { scope: 'organization' })).toThrow(/rateLimitOrganization/);
  });

  it('rejects waiting callers when closed', async () => {
    const prefix = testPrefix();
    const slow = pacer(REDIS_URL, prefix, { client: { ...CLIENT, requestsPerMinute: 6 } });
    await slow.acquire();
    const waiting = slow.acquire();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await slow.close();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });

  it('fails a wait longer than maxWaitMs with RateLimitError instead of sleeping', async () => {
    const prefix = testPrefix();
    const slow = pacer(REDIS_URL, prefix, { client: { ...CLIENT, requestsPerMinute: 6 }, maxWaitMs: 1000 });
    await slow.acquire();
    await expect(slow.acquire()).rejects.toMatchObject({
      name: 'RateLimitError',
      code: 'pacer.wait.too.long',
    });
  });

  it('paces in process, with one warning, when the store cannot be reached', async () => {
    const logger = recordingLogger();
    const away = pacer('redis://127.0.0.1:1', testPrefix(), { logger });
    const times = await grants([away], 4, performance.now());
    expectSpaced(times, 50);
    expect(away.state).toBe('local');
    const warnings = logger.lines.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ store: 'redis://127.0.0.1:1', scope: 'client' });
  });

  it('falls back while the store is down and shares again once it is back', async () => {
    privateRedis = await startPrivateRedis('s3cret-pass');
    const logger = recordingLogger();
    const p = pacer(privateRedis.url, testPrefix(), { logger });
    await p.acquire();
    expect(p.state).toBe('shared');
    await privateRedis.stop();
    await p.acquire();
    expect(p.state).toBe('local');
    await privateRedis.start();
    // The client reconnects in the background (at most 2 s apart); keep pacing until it has.
    for (let i = 0; i < 200 && p.state !== 'shared'; i++) await p.acquire();
    expect(p.state).toBe('shared');
    expect(logger.lines.map((line) => line.level)).toEqual(['warn', 'info']);
    expect(JSON.stringify(logger.lines)).not.toContain('s3cret-pass');
  });

  it('leaves no socket or timer behind once every pacer of a store is closed', async () => {
    // Earlier tests' sockets may still be closing: settle first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = handleCounts();
    const prefix = testPrefix();
    const first = pacer(`${REDIS_URL}/1`, prefix);
    const second = pacer(`${REDIS_URL}/1`, prefix);
    await Promise.all([first.acquire(), second.acquire()]);
    expect(handleCounts().get('TCPSocketWrap') ?? 0).toBeGreaterThan(before.get('TCPSocketWrap') ?? 0);
    await first.close();
    await second.close();
    // The socket closes once the server has answered its end (Redis never drops an idle client by
    // itself): wait for that, boundedly. An earlier test's socket may close meanwhile, hence at most.
    for (let i = 0; i < 1_000 && !noMoreThan(handleCounts(), before); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    for (const [kind, count] of handleCounts())
      expect(count, kind).toBeLessThanOrEqual(before.get(kind) ?? 0);
  });
});

function noMoreThan(counts: Map<string, number>, bound: Map<string, number>): boolean {
  return [...counts].every(([kind, count]) => count <= (bound.get(kind) ?? 0));
}
