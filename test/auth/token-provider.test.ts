import platformClient from 'purecloud-platform-client-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/environment/resolve-environment.js';
import { createSdkApiClient, loadSdk } from '../../src/sdk/sdk-binding.js';
import { TokenProvider } from '../../src/auth/token-provider.js';
import {
  AbortError,
  AuthenticationError,
  ConfigurationError,
  InternalServerError,
  TimeoutError,
} from '../../src/errors.js';
import {
  startLoopbackServer,
  tokenAnswer,
  type LoopbackServer,
  type ScriptedAnswer,
} from '../http/loopback-server.js';

const SECRET = 's3cr3t-value-never-shown';
let server: LoopbackServer | undefined;
let provider: TokenProvider | undefined;

afterEach(async () => {
  provider?.close();
  provider = undefined;
  await server?.close();
  server = undefined;
});

async function setup(
  answer: (index: number) => ScriptedAnswer | Promise<ScriptedAnswer>,
  options: { now?: () => number; timeoutMs?: number } = {},
): Promise<{ server: LoopbackServer; provider: TokenProvider }> {
  server = await startLoopbackServer((_request, index) => answer(index));
  provider = new TokenProvider({
    environment: resolveEnvironment(server.baseUrl),
    clientId: 'client-1',
    clientSecret: SECRET,
    ...options,
  });
  return { server, provider };
}

describe('TokenProvider', () => {
  it('logs in with client credentials through the SDK (Basic auth, form body, /oauth/token)', async () => {
    const { server, provider } = await setup(() => tokenAnswer('token-1'));
    expect(await provider.getAccessToken()).toBe('token-1');
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/oauth/token');
    expect(request?.headers.authorization).toBe(
      `Basic ${Buffer.from(`client-1:${SECRET}`).toString('base64')}`,
    );
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toBe('grant_type=client_credentials');
  });

  it('shares one in-flight login between 10 concurrent callers', async () => {
    const { server, provider } = await setup(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return tokenAnswer('shared');
    });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => provider.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['shared']));
    expect(server.requests).toHaveLength(1);
  });

  it('reuses the token, then refreshes it 10 % of its lifetime before expiry', async () => {
    let clock = 1_000_000;
    const { server, provider } = await setup((index) => tokenAnswer(`token-${index + 1}`, 100), {
      now: () => clock,
    });
    expect(await provider.getAccessToken()).toBe('token-1');
    clock += 89_000;
    expect(await provider.getAccessToken()).toBe('token-1');
    clock += 2_000; // 91 s into a 100 s lifetime: inside the 10 s margin
    expect(await provider.getAccessToken()).toBe('token-2');
    expect(server.requests).toHaveLength(2);
  });

  it('refreshes at most 60 s before expiry for long-lived tokens', async () => {
    let clock = 0;
    const { provider } = await setup((index) => tokenAnswer(`token-${index + 1}`, 86_399), {
      now: () => clock,
    });
    await provider.getAccessToken();
    clock = (86_399 - 61) * 1000;
    expect(await provider.getAccessToken()).toBe('token-1');
    clock = (86_399 - 59) * 1000;
    expect(await provider.getAccessToken()).toBe('token-2');
  });

  it('re-logs in once after invalidate, however many callers report the same refused token', async () => {
    const { server, provider } = await setup((index) => tokenAnswer(`token-${index + 1}`));
    const first = await provider.getAccessToken();
    for (let i = 0; i < 5; i++) provider.invalidate(first);
    const next = await Promise.all(Array.from({ length: 5 }, () => provider.getAccessToken()));
    expect(new Set(next)).toEqual(new Set(['token-2']));
    provider.invalidate(first); // stale: already replaced
    expect(await provider.getAccessToken()).toBe('token-2');
    expect(server.requests).toHaveLength(2);
  });

  it('names GENESYS_CLIENT_ID / GENESYS_CLIENT_SECRET when credentials are missing', () => {
    const environment = resolveEnvironment('us_east_1');
    expect(() => new TokenProvider({ environment, clientId: undefined, clientSecret: 'x' })).toThrow(
      /GENESYS_CLIENT_ID/,
    );
    expect(() => new TokenProvider({ environment, clientId: ' ', clientSecret: 'x' })).toThrow(
      ConfigurationError,
    );
    expect(() => new TokenProvider({ environment, clientId: 'id', clientSecret: '' })).toThrow(
      /GENESYS_CLIENT_SECRET/,
    );
  });

  it('turns refused credentials into an AuthenticationError that does not contain the secret', async () => {
    const { provider } = await setup(() => ({
      status: 401,
      body: { error: 'invalid_client', description: 'client authentication failed' },
    }));
    const error = await provider.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).status).toBe(401);
    expect((error as AuthenticationError).code).toBe('invalid_client');
    expect((error as Error).message).toMatch(/invalid_client.*GENESYS_CLIENT_SECRET/);
    const everything =
      JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).stack);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(Buffer.from(`client-1:${SECRET}`).toString('base64'));
  });

  it('maps a 5xx at login to InternalServerError and a hung login to TimeoutError', async () => {
    const failing = await setup(() => ({
      status: 503,
      body: { message: 'down', code: 'service.unavailable', status: 503 },
    }));
    await expect(failing.provider.getAccessToken()).rejects.toBeInstanceOf(InternalServerError);
    failing.provider.close();
    await failing.server.close();

    const hung = await setup(() => 'hang', { timeoutMs: 50 });
    await expect(hung.provider.getAccessToken()).rejects.toBeInstanceOf(TimeoutError);
  });

  it('lets one caller abort its wait while the shared login completes for the others', async () => {
    const { provider } = await setup(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return tokenAnswer('late');
    });
    const controller = new AbortController();
    const aborted = provider.getAccessToken(controller.signal);
    const patient = provider.getAccessToken();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortError);
    expect(await patient).toBe('late');
  });

  it('uses a private ApiClient, never the SDK singleton', async () => {
    const { provider } = await setup(() => tokenAnswer('mine'));
    await provider.getAccessToken();
    const singleton = (platformClient as unknown as { ApiClient: unknown }).ApiClient;
    expect((await provider.session.open()).apiClient).not.toBe(singleton);
    expect(
      (singleton as { authentications: Record<string, { accessToken?: string }> }).authentications[
        'PureCloud OAuth'
      ]?.accessToken,
    ).toBeUndefined();
  });

  it("uses a caller's ApiClient and gives its HTTP client back on close", async () => {
    server = await startLoopbackServer(() => tokenAnswer('theirs'));
    const callers = createSdkApiClient(await loadSdk());
    const before = callers.httpClient;
    const own = new TokenProvider({
      environment: resolveEnvironment(server.baseUrl),
      clientId: 'client-1',
      clientSecret: SECRET,
      apiClient: callers,
    });
    expect(await own.getAccessToken()).toBe('theirs');
    expect((await own.session.open()).apiClient).toBe(callers);
    own.close();
    expect(callers.httpClient).toBe(before);
    expect(
      () =>
        new TokenProvider({
          environment: resolveEnvironment('us_east_1'),
          clientId: 'a',
          clientSecret: 'b',
          apiClient: {},
        }),
    ).toThrow(ConfigurationError);
  });

  it('leaves no socket, timer or file watcher behind after close', async () => {
    await new Promise((resolve) => setTimeout(resolve, 30)); // let earlier tests' sockets finish closing
    const before = countResources();
    const { provider: p } = await setup((index) => tokenAnswer(`t${index}`));
    await p.getAccessToken();
    p.close();
    provider = undefined;
    // The server stays up and keeps idle connections, so only the client's close() can end the
    // keep-alive connection: wait for it to be gone (boundedly; a loaded machine takes its time).
    const settled = (): boolean =>
      Object.entries(countResources()).every(([name, count]) => count <= (before[name] ?? 0));
    for (let i = 0; i < 1_000 && !settled(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const after = countResources();
    for (const [name, count] of Object.entries(after))
      expect(count, name).toBeLessThanOrEqual(before[name] ?? 0);
  });
});

function countResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) {
    // Listening servers are the test's own; the client owns sockets, timers and watchers.
    if (['TTYWrap', 'PipeWrap', 'ProcessWrap', 'TCPServerWrap'].includes(name)) continue;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
