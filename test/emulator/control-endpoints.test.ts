import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_CHANNELS_PATH, SOCKET_CLOSING_TOPIC } from '../../src/contract/index.js';
import { CONTROL_PATHS, type EmulatorStats } from '../../src/emulator/index.js';
import { api, login, openSocket, start, stopAll, until } from './emulator-test-kit.js';

afterEach(stopAll);

describe('emulator control endpoints (/__emulator)', () => {
  it('GET stats returns the counters, requests by route included', async () => {
    const emulator = await start();
    const token = await login(emulator);
    await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH);
    await api(emulator, token, 'GET', '/api/v2/unknown');
    const answer = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.stats}`);
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
    const put = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.faults}`, {
      method: 'PUT',
      body: JSON.stringify({ rate429: 1, retryAfterSeconds: 2 }),
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ rate429: 1, retryAfterSeconds: 2 });
    const limited = await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('2');
    for (const bad of ['{"rate429": 2}', '{"nope": 1}', '[1]', '{"rate429": "x"}', '{bad json']) {
      const answer = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.faults}`, { method: 'PUT', body: bad });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { code: string }).code).toBe('bad.request');
    }
    const get = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.faults}`);
    expect(await get.json()).toEqual({ rate429: 1, retryAfterSeconds: 2 });
    await fetch(`${emulator.baseUrl}${CONTROL_PATHS.faults}`, { method: 'PUT', body: '{}' });
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('POST socket-closing, expire-channels and expire-tokens act like the in-process calls', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const channel = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      connectUri: string;
    };
    const socket = await openSocket(channel.connectUri);
    const closing = await fetch(`${emulator.baseUrl}${CONTROL_PATHS.socketClosing}`, {
      method: 'POST',
      body: JSON.stringify({ graceMs: 20 }),
    });
    expect(closing.status).toBe(200);
    await until(() => socket.closed);
    expect(socket.json().map((f) => (f as { topicName: string }).topicName)).toContain(SOCKET_CLOSING_TOPIC);

    const again = (await api(emulator, token, 'POST', NOTIFICATION_CHANNELS_PATH)).body as {
      connectUri: string;
    };
    const second = await openSocket(again.connectUri);
    expect(
      (await fetch(`${emulator.baseUrl}${CONTROL_PATHS.expireChannels}`, { method: 'POST' })).status,
    ).toBe(200);
    await until(() => second.closed);

    expect((await fetch(`${emulator.baseUrl}${CONTROL_PATHS.expireTokens}`, { method: 'POST' })).status).toBe(
      200,
    );
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(401);
  });

  it('answers an unknown control call with 404', async () => {
    const emulator = await start();
    expect((await fetch(`${emulator.baseUrl}/__emulator/nothing`)).status).toBe(404);
    expect((await fetch(`${emulator.baseUrl}${CONTROL_PATHS.stats}`, { method: 'DELETE' })).status).toBe(404);
  });
});
