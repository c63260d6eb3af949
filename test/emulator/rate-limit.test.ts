import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONTROL_PATHS, type Emulator } from '../../src/emulator/index.js';
import {
  CORRELATION_HEADER,
  DIRECT_SOCKET_PATH,
  ErrorBodySchema,
  NOTIFICATION_CHANNELS_PATH,
  RATE_LIMIT_CODE,
} from '../../src/contract/index.js';
import { api, control, login, openSocket, start, stopAll } from './emulator-test-kit.js';

afterEach(async () => {
  vi.useRealTimers();
  await stopAll();
});

/** Statuses of `count` channel listings, 10 at a time. */
async function statusesOf(emulator: Emulator, token: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (statuses.length < count) {
        statuses.push(0);
        const index = statuses.length - 1;
        statuses[index] = (await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status;
      }
    }),
  );
  return statuses;
}

describe('emulator rate limit (per access token)', () => {
  it('answers the request over the limit with 429, Retry-After and the real code', async () => {
    const emulator = await start({ rateLimit: { requests: 3, windowMs: 2_000 } });
    const token = await login(emulator);
    for (let i = 0; i < 3; i += 1) {
      expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    }
    const limited = await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('2');
    expect(limited.headers.get(CORRELATION_HEADER)).toMatch(/.+/);
    const body = ErrorBodySchema.parse(limited.body);
    expect(body).toMatchObject({ status: 429, code: RATE_LIMIT_CODE });
    expect(body.message).toContain('2');
    expect(emulator.stats()).toMatchObject({ rateLimited: 1, injected: { rate429: 0 } });
  });

  it('counts per token: another token of the same client has its own window', async () => {
    const emulator = await start({ rateLimit: { requests: 1, windowMs: 60_000 } });
    const first = await login(emulator);
    const second = await login(emulator);
    expect((await api(emulator, first, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    expect((await api(emulator, first, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(429);
    expect((await api(emulator, second, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('frees the window after windowMs', async () => {
    const emulator = await start({ rateLimit: { requests: 1, windowMs: 150 } });
    const token = await login(emulator);
    // Only the clock is fake: the window ends when the test moves the clock, whatever the load.
    vi.useFakeTimers({ toFake: ['Date'] });
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    const limited = await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('Retry-After')).toBe('1');
    vi.setSystemTime(Date.now() + 149);
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(429);
    vi.setSystemTime(Date.now() + 1);
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('does not count logins, sockets or control calls', async () => {
    const emulator = await start({ rateLimit: { requests: 1, windowMs: 60_000 } });
    const token = await login(emulator);
    await login(emulator);
    await openSocket(`ws://127.0.0.1:${emulator.port}${DIRECT_SOCKET_PATH}`, {
      Authorization: `Bearer ${token}`,
    });
    expect((await control(emulator, 'GET', CONTROL_PATHS.stats)).status).toBe(200);
    expect((await api(emulator, token, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });

  it('is on by default at 300 requests per minute and can be turned off', async () => {
    const limited = await start({ rateLimit: undefined });
    const statuses = await statusesOf(limited, await login(limited), 301);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    const open = await start({ rateLimit: false });
    const all = await statusesOf(open, await login(open), 320);
    expect(all.every((s) => s === 200)).toBe(true);
  });
});
