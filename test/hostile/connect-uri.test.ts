import { afterEach, describe, expect, it } from 'vitest';
import { InvalidResponseError } from '../../src/errors.js';
import type { InjectionResult } from '../../src/injector-options.js';
import { closeAll, hostileKit } from './hostile-kit.js';

afterEach(closeAll);

describe('hostile server: a connectUri elsewhere in cleartext is refused', () => {
  it('ws:// to another host fails the injection with InvalidResponseError, before any socket opens', async () => {
    const kit = await hostileKit({
      connectUri: (channelId) => `ws://attacker.example:80/channels/${channelId}`,
    });
    const failure = await kit.inject('hello');
    expect(failure).toBeInstanceOf(InvalidResponseError);
    expect(failure).toMatchObject({ code: 'unsafe.connect.uri', status: 200 });
    expect((failure as Error).message).toContain('ws://attacker.example');
    expect((failure as Error).message).toContain('only wss://');
    // Refused once: no reconnect loop, no second channel.
    expect(kit.server.requests.filter((r) => r.path === '/api/v2/notifications/channels')).toHaveLength(1);
  });

  it('the same host by another loopback name is fine', async () => {
    const kit = await hostileKit({
      connectUri: (channelId, own) =>
        own.replace('127.0.0.1', 'localhost').replace(/\/channels\/.*/, `/channels/${channelId}`),
    });
    const result = await kit.inject('hello');
    expect(result).not.toBeInstanceOf(Error);
    expect((result as InjectionResult).response).toBe(
      kit.server.textOf((result as InjectionResult).conversationId),
    );
  });
});
