/**
 * The Guides endpoints over the real REST pipeline (token provider, pacer, retry policy, SDK
 * `callApi` over the keep-alive client) against an in-process emulator; `closeAll()` releases it all.
 */
import { resolveEnvironment } from '../../src/environment/resolve-environment.js';
import { TokenProvider } from '../../src/auth/token-provider.js';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { GuidesApi } from '../../src/guides/guides-api.js';
import { RequestPipeline } from '../../src/http/request-pipeline.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';
import { RetryPolicy } from '../../src/http/retry-policy.js';

const open: Array<() => Promise<void> | void> = [];

/** Closes everything the kit opened (call in afterEach). */
export async function closeAll(): Promise<void> {
  while (open.length > 0) await open.pop()?.();
}

/** An emulator (no rate limit unless given, one-read publish jobs) that `closeAll()` stops. */
export async function emulatorFor(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = await startEmulator({ rateLimit: false, ...options });
  open.push(() => emulator.close());
  return emulator;
}

/** `GuidesApi` for `emulator` as client `clientId`, retrying with 1 ms waits. */
export function guidesApiFor(
  emulator: Emulator,
  clientId = emulator.clientId,
  clientSecret = emulator.clientSecret,
): GuidesApi {
  const tokens = new TokenProvider({
    environment: resolveEnvironment(emulator.baseUrl),
    clientId,
    clientSecret,
  });
  const pacer = new RateLimiter({ requestsPerMinute: 0 });
  const rest = new RequestPipeline({
    tokens,
    pacer,
    retry: new RetryPolicy({ maxRetries: 5, baseDelayMs: 1, maxDelayMs: 2, rateLimitJitter: 0 }),
  });
  open.push(
    () => tokens.close(),
    () => rest.close(),
  );
  return new GuidesApi(rest);
}

/** Requests the emulator answered, by route key (`POST /api/v2/guides`, ...). */
export function routeCounts(emulator: Emulator): Record<string, number> {
  return emulator.stats().requestsByRoute;
}

/** The requests of `after` that `before` did not have, by route, zero counts left out. */
export function newRequests(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const added: Record<string, number> = {};
  for (const [key, count] of Object.entries(after)) {
    const delta = count - (before[key] ?? 0);
    if (delta > 0) added[key] = delta;
  }
  return added;
}
