import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/environment/resolve-environment.js';
import { TokenProvider } from '../../src/auth/token-provider.js';
import { SEED_ASSISTANT_ID, type ConversationCreateRequest } from '../../src/contract/conversation.js';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  TimeoutError,
} from '../../src/errors.js';
import { GenesysApi } from '../../src/http/genesys-api.js';
import { canonicalJson, promptHash } from '../../src/observe/canonical-json.js';
import { RequestPipeline } from '../../src/http/request-pipeline.js';
import { RateLimiter } from '../../src/http/rate-limiter.js';
import { RetryPolicy } from '../../src/http/retry-policy.js';
import {
  startLoopbackServer,
  tokenAnswer,
  type LoopbackServer,
  type ScriptedAnswer,
  type SeenRequest,
} from './loopback-server.js';

const SECRET = 'api-test-secret';
const KEY = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const BODY: ConversationCreateRequest = {
  assistantId: SEED_ASSISTANT_ID,
  messages: [
    { role: 'system', content: 'You are helpful.' },
    { role: 'user', content: 'Hello' },
  ],
  settings: { maxTokens: 256, temperature: 0.2, safetyPolicy: 'strict' },
};
const created = (id = 'conv-1'): ScriptedAnswer => ({
  status: 201,
  body: { id, assistantId: SEED_ASSISTANT_ID, status: 'queued', createdAt: '2026-01-01T00:00:00.000Z' },
});
const genesysError = (
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
): ScriptedAnswer => ({
  status,
  body: { message, code, status, contextId: 'ctx-1', details: [], errors: [] },
  headers: { 'ININ-Correlation-Id': 'corr-1', ...headers },
});

interface Harness {
  server: LoopbackServer;
  api: GenesysApi;
  tokens: TokenProvider;
  apiRequests: () => SeenRequest[];
  /** OAuth logins the server answered. */
  logins: () => number;
  limiter: RateLimiter;
  waits: number[];
}

const open: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!();
});

/** A loopback Genesys: /oauth/token answers token-1, token-2, ...; API requests follow `script`. */
async function harness(
  script: (request: SeenRequest, apiIndex: number) => ScriptedAnswer | Promise<ScriptedAnswer>,
  options: { timeoutMs?: number; maxRetries?: number; retryNonRateLimited?: boolean } = {},
): Promise<Harness> {
  let logins = 0;
  let apiCount = 0;
  const server = await startLoopbackServer((request) =>
    request.url === '/oauth/token' ? tokenAnswer(`token-${++logins}`) : script(request, apiCount++),
  );
  const tokens = new TokenProvider({
    environment: resolveEnvironment(server.baseUrl),
    clientId: 'client-1',
    clientSecret: SECRET,
  });
  const waits: number[] = [];
  const limiter = new RateLimiter({ requestsPerMinute: 0 });
  const rest = new RequestPipeline({
    tokens,
    pacer: limiter,
    timeoutMs: options.timeoutMs,
    retry: new RetryPolicy({
      maxRetries: options.maxRetries,
      retryNonRateLimited: options.retryNonRateLimited,
      random: () => 0,
      sleep: async (ms) => void waits.push(ms),
    }),
  });
  const api = new GenesysApi(rest);
  open.push(
    () => server.close(),
    () => tokens.close(),
    () => rest.close(),
    () => limiter.close(),
  );
  const apiRequests = () => server.requests.filter((r) => r.url !== '/oauth/token');
  return { server, api, tokens, apiRequests, logins: () => logins, limiter, waits };
}

describe('GenesysApi.createConversation', () => {
  it('posts the payload with the bearer token and the Idempotency-Key', async () => {
    const { api, apiRequests } = await harness(() => created());
    const result = await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY });
    expect(result).toEqual({
      value: {
        id: 'conv-1',
        assistantId: SEED_ASSISTANT_ID,
        status: 'queued',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
      retries: 0,
    });
    const [request] = apiRequests();
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe(`/api/v2/ai/assistants/${SEED_ASSISTANT_ID}/conversations`);
    expect(request?.headers.authorization).toBe('Bearer token-1');
    expect(request?.headers['idempotency-key']).toBe(KEY);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual(BODY);
    // The bytes sent are the payload's canonical JSON: the prompt hash is the SHA-256 of exactly them.
    expect(request?.body).toBe(canonicalJson(BODY));
    expect(
      createHash('sha256')
        .update(request?.body ?? '')
        .digest('hex'),
    ).toBe(promptHash(BODY));
  });

  it('waits Retry-After after a 429, pauses the whole client, and resends the same Idempotency-Key', async () => {
    const { api, apiRequests, waits, limiter } = await harness((_r, i) =>
      i === 0
        ? genesysError(429, 'Rate limit exceeded', 'too.many.requests.retry.after', { 'Retry-After': '2' })
        : created(),
    );
    const paused: number[] = [];
    const pause = limiter.pause.bind(limiter);
    limiter.pause = (ms) => {
      paused.push(ms);
      pause(0); // record only: the test's injected sleep does the waiting
    };
    const result = await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY });
    expect(result.retries).toBe(1);
    expect(waits).toEqual([2_000]);
    expect(paused).toEqual([2_000]);
    expect(apiRequests().map((r) => r.headers['idempotency-key'])).toEqual([KEY, KEY]);
    // The retry sends the same bytes as the first attempt.
    expect(new Set(apiRequests().map((r) => r.body))).toEqual(new Set([canonicalJson(BODY)]));
  });

  it('retries a 503 and a connection reset with the same Idempotency-Key', async () => {
    const { api, apiRequests } = await harness((_r, i) =>
      i === 0 ? genesysError(503, 'unavailable', 'service.unavailable') : i === 1 ? 'reset' : created(),
    );
    const result = await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY });
    expect(result.retries).toBe(2);
    expect(new Set(apiRequests().map((r) => r.headers['idempotency-key']))).toEqual(new Set([KEY]));
    expect(apiRequests()).toHaveLength(3);
  });

  it('re-logs in once after a 401 and retries once', async () => {
    const { api, apiRequests, logins } = await harness((request) =>
      request.headers.authorization === 'Bearer token-1'
        ? genesysError(401, 'token expired', 'authentication.required')
        : created(),
    );
    const result = await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY });
    expect(result.value.id).toBe('conv-1');
    expect(result.retries).toBe(1);
    expect(logins()).toBe(2);
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('fails with AuthenticationError when the fresh token is refused too', async () => {
    const { api, apiRequests, logins } = await harness(() =>
      genesysError(401, 'invalid token', 'bad.credentials'),
    );
    const error = await api
      .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(logins()).toBe(2);
    expect(apiRequests()).toHaveLength(2);
  });

  it('shares one re-login between concurrent calls refused with the same token', async () => {
    const { api, tokens, logins } = await harness((request) =>
      request.headers.authorization === 'Bearer token-1'
        ? genesysError(401, 'expired', 'authentication.required')
        : created(),
    );
    expect(await tokens.getAccessToken()).toBe('token-1');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: `${KEY}-${i}` }),
      ),
    );
    expect(results.every((r) => r.retries === 1)).toBe(true);
    expect(logins()).toBe(2);
  });

  it.each([
    [400, BadRequestError, 'bad.request'],
    [404, NotFoundError, 'not.found'],
  ])('maps %i to its class without retrying', async (status, ErrorClass, code) => {
    const { api, apiRequests } = await harness(() => genesysError(status, 'nope', code));
    const error = await api
      .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as BadRequestError).status).toBe(status);
    expect((error as BadRequestError).correlationId).toBe('corr-1');
    expect(apiRequests()).toHaveLength(1);
  });

  it('names the missing scope in a 403, and never retries it', async () => {
    const { api, apiRequests } = await harness(() =>
      genesysError(403, 'Missing permission', 'missing.permissions'),
    );
    const error = await api
      .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toContain('ai:assistant:write');
    expect(apiRequests()).toHaveLength(1);
    const read = await api.getConversation(SEED_ASSISTANT_ID, 'conv-1').catch((e: unknown) => e);
    expect((read as Error).message).toContain('ai:assistant:read');
  });

  it('gives up on 5xx after maxRetries with InternalServerError, or at once when non-429 retries are off', async () => {
    const always503 = () => genesysError(503, 'down', 'service.unavailable');
    const { api, apiRequests } = await harness(always503, { maxRetries: 2 });
    await expect(
      api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(InternalServerError);
    expect(apiRequests()).toHaveLength(3);

    const strict = await harness(always503, { retryNonRateLimited: false });
    await expect(
      strict.api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(InternalServerError);
    expect(strict.apiRequests()).toHaveLength(1);
  });

  it('reports RateLimitError with the server Retry-After when 429s outlast the retries', async () => {
    const { api } = await harness(
      () => genesysError(429, 'slow down', 'too.many.requests.retry.after', { 'Retry-After': '7' }),
      {
        maxRetries: 1,
      },
    );
    const error = await api
      .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(7_000);
  });

  it('rejects a success body that breaks the contract with InvalidResponseError', async () => {
    const { api } = await harness(() => ({ status: 201, body: { id: 'conv-1', status: 'exploded' } }));
    const error = await api
      .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/assistantId|status/);
  });

  it('times out a request that gets no answer', async () => {
    const { api } = await harness(() => 'hang', { timeoutMs: 50, maxRetries: 0 });
    await expect(
      api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(TimeoutError);
  });

  it('aborts an in-flight request when the signal fires', async () => {
    const { api } = await harness(() => 'hang');
    const controller = new AbortController();
    const call = api.createConversation(SEED_ASSISTANT_ID, BODY, {
      idempotencyKey: KEY,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    const startedAt = Date.now();
    await expect(call).rejects.toBeInstanceOf(AbortError);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('reports a refused connection as ConnectionError', async () => {
    const { api, server } = await harness(() => created(), { maxRetries: 0 });
    await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY }); // logged in, connection open
    await server.close();
    await expect(
      api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(ConnectionError);
  });

  it('never puts the token or the secret into an error', async () => {
    const { api } = await harness(
      (_r, i) => (i === 0 ? genesysError(403, 'forbidden', 'missing.permissions') : 'reset'),
      {
        maxRetries: 0,
      },
    );
    for (let i = 0; i < 2; i++) {
      const error = await api
        .createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: KEY })
        .catch((e: unknown) => e);
      const seen =
        JSON.stringify(error, Object.getOwnPropertyNames(error)) +
        String((error as Error).stack) +
        String((error as Error).cause);
      expect(seen).not.toContain('token-1');
      expect(seen).not.toContain(SECRET);
    }
  });
});

describe('GenesysApi reads and notification channels', () => {
  it('reads a conversation and validates it', async () => {
    const conversation = {
      id: 'conv-1',
      assistantId: SEED_ASSISTANT_ID,
      status: 'completed',
      createdAt: '2026-01-01T00:00:00.000Z',
      response: { text: 'Hi there', sequence: 3, finishReason: 'stop' },
      usage: { promptTokens: 10, completionTokens: 3 },
      safetyPolicyTriggered: false,
    };
    const { api, apiRequests } = await harness(() => ({ status: 200, body: conversation }));
    expect(await api.getConversation(SEED_ASSISTANT_ID, 'conv-1')).toEqual(conversation);
    expect(apiRequests()[0]?.url).toBe(`/api/v2/ai/assistants/${SEED_ASSISTANT_ID}/conversations/conv-1`);
    expect(apiRequests()[0]?.method).toBe('GET');
  });

  it('creates a channel and adds (POST) or replaces (PUT) its subscriptions', async () => {
    const channel = {
      id: 'ch-1',
      connectUri: 'ws://127.0.0.1:1/channels/ch-1',
      expires: '2026-01-02T00:00:00.000Z',
    };
    const { api, apiRequests } = await harness((request) =>
      request.url === '/api/v2/notifications/channels'
        ? { status: 200, body: channel }
        : { status: 200, body: { entities: JSON.parse(request.body) as unknown } },
    );
    expect(await api.createChannel()).toEqual(channel);
    const topic = 'v2.conversations.conv-1.aiassistant.responses';
    expect(await api.addSubscriptions('ch-1', [topic])).toEqual({ entities: [{ id: topic }] });
    await api.replaceSubscriptions('ch-1', [topic, 'v2.conversations.conv-2.aiassistant.responses']);
    const [, add, replace] = apiRequests();
    expect([add?.method, add?.url]).toEqual(['POST', '/api/v2/notifications/channels/ch-1/subscriptions']);
    expect(JSON.parse(add?.body ?? '')).toEqual([{ id: topic }]);
    expect(replace?.method).toBe('PUT');
  });

  it('reuses one keep-alive connection for sequential calls', async () => {
    const { api, server } = await harness(() => created());
    for (let i = 0; i < 5; i++)
      await api.createConversation(SEED_ASSISTANT_ID, BODY, { idempotencyKey: `${KEY}-${i}` });
    expect(new Set(server.requests.map((r) => r.remotePort)).size).toBe(1);
  });
});
