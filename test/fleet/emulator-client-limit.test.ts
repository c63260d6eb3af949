import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_CHANNELS_PATH } from '../../src/contract/index.js';
import { DEFAULT_EMULATOR_CLIENT } from '../../src/emulator/index.js';
import { api, login, start, stopAll } from '../emulator/emulator-test-kit.js';

afterEach(stopAll);

describe('emulator rate limit per OAuth client', () => {
  it('counts every token of one client in one window', async () => {
    const emulator = await start({ rateLimit: { requests: 2, windowMs: 60_000, per: 'client' } });
    const first = await login(emulator);
    const second = await login(emulator);
    expect((await api(emulator, first, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    expect((await api(emulator, second, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    expect((await api(emulator, first, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(429);
    expect((await api(emulator, second, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(429);
    expect(emulator.stats().rateLimited).toBe(2);
  });

  it('gives another client a window of its own', async () => {
    const other = {
      clientId: 'other-client',
      clientSecret: 'other-secret',
      scopes: DEFAULT_EMULATOR_CLIENT.scopes,
    };
    const emulator = await start({
      clients: [DEFAULT_EMULATOR_CLIENT, other],
      rateLimit: { requests: 1, windowMs: 60_000, per: 'client' },
    });
    const mine = await login(emulator);
    const theirs = await login(emulator, other.clientId, other.clientSecret);
    expect((await api(emulator, mine, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
    expect((await api(emulator, mine, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(429);
    expect((await api(emulator, theirs, 'GET', NOTIFICATION_CHANNELS_PATH)).status).toBe(200);
  });
});
