import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CORRELATION_HEADER,
  ErrorBodySchema,
  NOTIFICATION_CHANNELS_PATH,
  OAuthErrorSchema,
  TokenResponseSchema,
} from '../../src/contract/index.js';
import { api, login, start, stopAll, tokenRequest } from './emulator-test-kit.js';

afterEach(async () => {
  vi.useRealTimers();
  await stopAll();
});

describe('emulator OAuth (PRODUCT.md 4.1)', () => {
  it('issues an opaque bearer token for client credentials with Basic auth and a form body', async () => {
    const emulator = await start();
    const answer = await tokenRequest(emulator, 'emulator-client', 'emulator-secret');
    expect(answer.status).toBe(200);
    expect(answer.headers.get(CORRELATION_HEADER)).toMatch(/.+/);
    const body = TokenResponseSchema.parse(await answer.json());
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 86_399 });
    expect(body.access_token.length).toBeGreaterThanOrEqual(32);
    expect(emulator.stats().tokensIssued).toBe(1);
  });

  it('answers bad credentials with 401 invalid_client', async () => {
    const emulator = await start();
    for (const [id, secret] of [
      ['emulator-client', 'wrong'],
      ['nobody', 'emulator-secret'],
    ] as const) {
      const answer = await tokenRequest(emulator, id, secret);
      expect(answer.status).toBe(401);
      expect(answer.headers.get(CORRELATION_HEADER)).toMatch(/.+/);
      expect(OAuthErrorSchema.parse(await answer.json())).toMatchObject({ error: 'invalid_client' });
    }
    const noAuth = await fetch(`${emulator.baseUrl}/oauth/token`, {
      method: 'POST',
      body: 'grant_type=client_credentials',
    });
    expect(noAuth.status).toBe(401);
    expect(emulator.stats().tokensIssued).toBe(0);
  });

  it('answers another grant type with 400 unsupported_grant_type', async () => {
    const emulator = await start();
    const answer = await tokenRequest(
      emulator,
      emulator.clientId,
      emulator.clientSecret,
      'grant_type=password',
    );
    expect(answer.status).toBe(400);
    const body = OAuthErrorSchema.parse(await answer.json());
    expect(body.error).toBe('unsupported_grant_type');
    expect(body.description).toContain('client_credentials');
  });

  it('accepts registered clients only, each with its own token', async () => {
    const emulator = await start({
      clients: [
        { clientId: 'one', clientSecret: 's1', scopes: ['notifications'] },
        { clientId: 'two', clientSecret: 's2', scopes: ['notifications'] },
      ],
    });
    expect(emulator.clientId).toBe('one');
    const [a, b] = await Promise.all([login(emulator, 'one', 's1'), login(emulator, 'two', 's2')]);
    expect(a).not.toBe(b);
    expect((await tokenRequest(emulator, 'emulator-client', 'emulator-secret')).status).toBe(401);
  });

  it('rejects a missing, unknown, expired or revoked token with 401 in the Genesys shape', async () => {
    const emulator = await start({ tokenLifetimeSeconds: 0.2 });
    // Only the clock is fake (sockets and timers stay real): the token's 200 ms pass when the test
    // says, not while a loaded machine works through the login and the first request.
    vi.useFakeTimers({ toFake: ['Date'] });
    const none = await api(emulator, undefined, 'POST', NOTIFICATION_CHANNELS_PATH);
    expect(none.status).toBe(401);
    expect(ErrorBodySchema.parse(none.body)).toMatchObject({ status: 401, code: 'authentication.required' });
    const unknown = await api(emulator, 'not-a-token', 'POST', NOTIFICATION_CHANNELS_PATH);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'bad.credentials' });

    const shortLived = await login(emulator);
    expect((await api(emulator, shortLived, 'POST', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    vi.setSystemTime(Date.now() + 199);
    expect((await api(emulator, shortLived, 'POST', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    vi.setSystemTime(Date.now() + 1);
    expect((await api(emulator, shortLived, 'POST', NOTIFICATION_CHANNELS_PATH)).status).toBe(401);
  });

  it('expireTokens() invalidates every token issued so far, not later ones', async () => {
    const emulator = await start();
    const old = await login(emulator);
    emulator.expireTokens();
    const fresh = await login(emulator);
    expect((await api(emulator, old, 'POST', NOTIFICATION_CHANNELS_PATH)).status).toBe(401);
    expect((await api(emulator, fresh, 'POST', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('puts ININ-Correlation-Id on every answer, equal to the error contextId', async () => {
    const emulator = await start();
    const answer = await api(emulator, undefined, 'GET', '/api/v2/nowhere');
    expect(answer.status).toBe(404);
    const body = ErrorBodySchema.parse(answer.body);
    expect(body.code).toBe('not.found');
    expect(answer.headers.get(CORRELATION_HEADER)).toBe(body.contextId);
    const root = await fetch(`${emulator.baseUrl}/`);
    expect(root.status).toBe(404);
    expect(root.headers.get(CORRELATION_HEADER)).toMatch(/.+/);
  });
});
