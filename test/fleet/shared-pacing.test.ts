import { SEED_ASSISTANT_ID } from '../../src/contract/conversation.js';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type RateLimitSetting } from '../../src/emulator/index.js';
import { ConfigurationError } from '../../src/errors.js';
import { redisRequestPacers } from '../../src/fleet/redis-pacer-factory.js';
import type { RateLimitScope } from '../../src/fleet/pacing-scope.js';
import { GenesysPromptInjector } from '../../src/injector.js';
import { FAST, TEMPLATE } from '../injector-kit.js';
import { REDIS_URL, cleanRedis, testPrefix } from './redis-kit.js';

const opened: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((thing) => thing.close()));
  await cleanRedis();
});

async function emulatorLimiting(rateLimit: RateLimitSetting): Promise<Emulator> {
  const emulator = await startEmulator({ rateLimit, firstChunkDelayMs: 1, chunkIntervalMs: 1 });
  opened.push(emulator);
  return emulator;
}

/**
 * An injector on `emulator` paced through Redis; `process` picks the connection (each simulated
 * process has its own), `prefix` keeps the test's keys apart.
 */
function injectorOn(
  emulator: Emulator,
  options: { scope: RateLimitScope; requestsPerMinute: number; prefix: string; process: number },
): GenesysPromptInjector {
  const injector = new GenesysPromptInjector({
    environment: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    ...FAST,
    transport: 'direct',
    requestsPerMinute: options.requestsPerMinute,
    requestBurst: 1,
    maxRetries: 10,
    rateLimiter: redisRequestPacers({
      store: options.process === 0 ? REDIS_URL : `${REDIS_URL}/0`,
      scope: options.scope,
      keyPrefix: options.prefix,
    }),
  });
  opened.push(injector);
  return injector;
}

/** `count` injections on each injector at once; every one must succeed. */
async function injectOnEach(injectors: GenesysPromptInjector[], count: number): Promise<void> {
  const results = await Promise.all(
    injectors.flatMap((injector) =>
      Array.from({ length: count }, (_, i) =>
        injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { variables: { productType: `plan ${i}` } }),
      ),
    ),
  );
  expect(results.every((result) => result.response.length > 0)).toBe(true);
}

describe('one budget across processes, against the emulator', () => {
  it('scope client: two processes of one client stay under a per-client limit together', async () => {
    // The server allows 5 requests a second per client; each process alone would pace at 2/s, and
    // sharing one budget the two together do too, so no request is refused.
    const emulator = await emulatorLimiting({ requests: 5, windowMs: 1000, per: 'client' });
    const prefix = testPrefix();
    const pair = [0, 1].map((process) =>
      injectorOn(emulator, { scope: 'client', requestsPerMinute: 120, prefix, process }),
    );
    await injectOnEach(pair, 4);
    expect(emulator.stats().rateLimited).toBe(0);
  });

  it('scope token: two processes each spend a budget of their own, which a per-client limit refuses', async () => {
    // Each paces at 4/s on its own budget: 8/s together against 5/s per client.
    const emulator = await emulatorLimiting({ requests: 5, windowMs: 1000, per: 'client' });
    const prefix = testPrefix();
    const pair = [0, 1].map((process) =>
      injectorOn(emulator, { scope: 'token', requestsPerMinute: 240, prefix, process }),
    );
    await injectOnEach(pair, 8);
    expect(emulator.stats().rateLimited).toBeGreaterThan(0);
  });

  it("scope token: against a per-token limit, two processes together go past one token's limit unrefused", async () => {
    // 4 requests a second per token; each process paces its own token at 2.5/s, 5/s together.
    const emulator = await emulatorLimiting({ requests: 4, windowMs: 1000, per: 'token' });
    const prefix = testPrefix();
    const pair = [0, 1].map((process) =>
      injectorOn(emulator, { scope: 'token', requestsPerMinute: 150, prefix, process }),
    );
    await injectOnEach(pair, 4);
    expect(emulator.stats().rateLimited).toBe(0);
  });
});

describe('a server-imposed pause, across processes', () => {
  it("a 429's Retry-After in one process holds the other process's requests too", async () => {
    // One request per 2 s per token: the first process's second request is refused with a
    // Retry-After; the other process's token is not limited, so only the shared pause can hold it.
    const emulator = await emulatorLimiting({ requests: 1, windowMs: 2000, per: 'token' });
    const prefix = testPrefix();
    const [refused, other] = [0, 1].map((process) =>
      injectorOn(emulator, { scope: 'client', requestsPerMinute: 6000, prefix, process }),
    );
    await injectOnEach([refused!], 1);
    const retried = injectOnEach([refused!], 1); // refused once, then retried after the pause
    const redis = new Redis(REDIS_URL);
    try {
      // `asked` is taken before Redis reads the pause, so the pause ends no sooner than asked + held.
      let held = 0;
      let asked = 0;
      for (let i = 0; i < 500 && held <= 0; i++) {
        asked = performance.now();
        const [, keys] = await redis.scan('0', 'MATCH', `${prefix}:*:pause`, 'COUNT', 1000);
        held = keys.length === 0 ? 0 : await redis.pttl(keys[0]!);
        if (held <= 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(held).toBeGreaterThan(0);
      await injectOnEach([other!], 1);
      // The other process sent nothing before the pause it read from Redis had passed.
      expect(performance.now() - asked).toBeGreaterThanOrEqual(held - 5);
      await retried;
    } finally {
      redis.disconnect();
    }
    expect(emulator.stats().rateLimited).toBeGreaterThanOrEqual(1);
  });
});

describe('the rateLimitStore option', () => {
  it('paces through the named store', async () => {
    const emulator = await emulatorLimiting({ requests: 100, windowMs: 1000, per: 'client' });
    const injector = new GenesysPromptInjector({
      environment: emulator.baseUrl,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      ...FAST,
      transport: 'direct',
      requestsPerMinute: 600,
      rateLimitStore: REDIS_URL,
    });
    opened.push(injector);
    await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    const redis = new Redis(REDIS_URL);
    try {
      const [, keys] = await redis.scan(
        '0',
        'MATCH',
        'genesys-prompt:pace:{client:*}:schedule',
        'COUNT',
        10_000,
      );
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it.each([
    [{ rateLimitStore: 'http://127.0.0.1:6379' }, /rateLimitStore: must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ rateLimitStore: 'not a url' }, /rateLimitStore: is not a URL/],
    [
      { rateLimitStore: REDIS_URL, rateLimitScope: 'organization' as const },
      /rateLimitOrganization: is required/,
    ],
    [
      { rateLimitStore: REDIS_URL, rateLimitScope: 'team' as RateLimitScope },
      /rateLimitScope: unknown value "team"/,
    ],
    [
      { rateLimitStore: REDIS_URL, rateLimiter: redisRequestPacers({ store: REDIS_URL }) },
      /rateLimitStore: is given together with rateLimiter/,
    ],
  ])('refuses %o naming the option and the fix', (options, message) => {
    const build = (): GenesysPromptInjector =>
      new GenesysPromptInjector({
        environment: 'http://127.0.0.1:1',
        clientId: 'a',
        clientSecret: 'b',
        ...options,
      });
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(message);
  });
});
