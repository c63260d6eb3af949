import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_CHANNELS_PATH, SOCKET_CLOSING_TOPIC } from '../../src/contract/index.js';
import { CONTROL_PATHS, type Emulator, type EmulatorStats } from '../../src/emulator/index.js';
import { api, control, login, openSocket, start, stopAll, until } from './emulator-test-kit.js';

afterEach(stopAll);

describe('emulator control endpoints (/__emulator)', () => {
  it('GET stats returns the counters, requests by route included', async () => {
    const emulator = await start();
    const token = await login(emulator);
    await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH);
    await api(emulator, token, 'GET', '/api/v2/unknown');
    const answer = await control(emulator, 'GET', CONTROL_PATHS.stats);
    expect(answer.status).toBe(200);
    const stats = (await answer.json()) as EmulatorStats;
    expect(stats).toEqual(emulator.stats());
    expect(stats).toMatchObject({
      tokensIssued: 1,
      requests: 3,
      channelsCreated: 1,
      requestsByRoute: {
        'POST /oauth/token': 1,
        'POST /api/v2/notifications/channels': 1,
        unmatched: 1,
      },
    });
  });

  it('PUT faults replaces the faults (validated); GET faults shows them', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const put = await control(
      emulator,
      'PUT',
      CONTROL_PATHS.faults,
      JSON.stringify({ rate429: 1, retryAfterSeconds: 2 }),
    );
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ rate429: 1, retryAfterSeconds: 2 });
    const limited = await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('2');
    for (const bad of ['{"rate429": 2}', '{"nope": 1}', '[1]', '{"rate429": "x"}', '{bad json']) {
      const answer = await control(emulator, 'PUT', CONTROL_PATHS.faults, bad);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { code: string }).code).toBe('bad.request');
    }
    const get = await control(emulator, 'GET', CONTROL_PATHS.faults);
    expect(await get.json()).toEqual({ rate429: 1, retryAfterSeconds: 2 });
    await control(emulator, 'PUT', CONTROL_PATHS.faults, '{}');
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('POST socket-closing, expire-channels and expire-tokens act like the in-process calls', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      connectUri: string;
    };
    const socket = await openSocket(channel.connectUri);
    const closing = await control(
      emulator,
      'POST',
      CONTROL_PATHS.socketClosing,
      JSON.stringify({ graceMs: 20 }),
    );
    expect(closing.status).toBe(200);
    await until(() => socket.closed);
    expect(socket.json().map((f) => (f as { topicName: string }).topicName)).toContain(SOCKET_CLOSING_TOPIC);

    const again = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      connectUri: string;
    };
    const second = await openSocket(again.connectUri);
    expect((await control(emulator, 'POST', CONTROL_PATHS.expireChannels)).status).toBe(200);
    await until(() => second.closed);

    expect((await control(emulator, 'POST', CONTROL_PATHS.expireTokens)).status).toBe(200);
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(401);
  });

  it('answers an unknown control call with 404', async () => {
    const emulator = await start();
    expect((await control(emulator, 'GET', '/__emulator/nothing')).status).toBe(404);
    expect((await control(emulator, 'DELETE', CONTROL_PATHS.stats)).status).toBe(404);
  });
});

/** A raw request with any headers (fetch would not let a test set `Host`): the status. */
function rawStatus(
  emulator: Emulator,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${emulator.baseUrl}${path}`, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('emulator control endpoints: who may call them', () => {
  it('refuse a request without the control token, or with a wrong one (401), and name the fix', async () => {
    const emulator = await start({ controlOpen: false });
    expect(emulator.controlToken).toMatch(/^[\w-]{24,}$/);
    const bare = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.stats}`);
    expect(bare.status).toBe(401);
    expect(((await bare.json()) as { message: string }).message).toContain('control token');
    const wrong = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.expireTokens}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer not-the-token' },
    });
    expect(wrong.status).toBe(401);
    // An API access token is not a control token either.
    const token = await login(emulator);
    const apiToken = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.stats}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(apiToken.status).toBe(401);
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('uses the control token given in the options, and none with controlOpen', async () => {
    const given = await start({ controlToken: 'my-control-token' });
    expect(given.controlToken).toBe('my-control-token');
    expect((await control(given, 'GET', CONTROL_PATHS.stats)).status).toBe(200);
    const open = await start({ controlOpen: true });
    expect(open.controlToken).toBeUndefined();
    expect((await fetch(`${open.baseUrl}${CONTROL_PATHS.stats}`)).status).toBe(200);
  });

  it('refuse a cross-origin request even with a simple text/plain POST (403)', async () => {
    const emulator = await start({ controlOpen: true });
    const headers = { 'Content-Type': 'text/plain' };
    const body = '{"rate429": 1}';
    expect(
      await rawStatus(
        emulator,
        'PUT',
        CONTROL_PATHS.faults,
        { ...headers, Origin: 'http://evil.example' },
        body,
      ),
    ).toBe(403);
    expect(
      await rawStatus(emulator, 'POST', CONTROL_PATHS.expireTokens, { 'Sec-Fetch-Site': 'cross-site' }),
    ).toBe(403);
    expect(
      await rawStatus(emulator, 'POST', CONTROL_PATHS.expireTokens, { Origin: 'http://localhost:3000' }),
    ).toBe(403);
    expect(emulator.stats().tokensIssued).toBe(0);
    expect(await control(emulator, 'GET', CONTROL_PATHS.faults).then((r) => r.json())).toEqual({});
    // The emulator's own origin is not cross-origin.
    const own = new URL(emulator.baseUrl).origin;
    expect(await rawStatus(emulator, 'GET', CONTROL_PATHS.stats, { Origin: own })).toBe(200);
  });

  it('refuse a Host header the emulator does not answer to (DNS rebinding), accept loopback names and allowedHosts', async () => {
    const emulator = await start({ controlOpen: true, allowedHosts: ['emulator.internal'] });
    const port = emulator.port;
    expect(await rawStatus(emulator, 'GET', CONTROL_PATHS.stats, { Host: `attacker.example:${port}` })).toBe(
      403,
    );
    expect(await rawStatus(emulator, 'GET', CONTROL_PATHS.stats, { Host: 'bad host' })).toBe(403);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `emulator.internal:${port}`,
    ]) {
      expect(await rawStatus(emulator, 'GET', CONTROL_PATHS.stats, { Host: host })).toBe(200);
    }
  });
});
