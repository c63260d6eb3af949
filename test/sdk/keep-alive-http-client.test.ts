import platformClient from 'purecloud-platform-client-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/environment/resolve-environment.js';
import { TokenProvider } from '../../src/auth/token-provider.js';
import { startLoopbackServer, tokenAnswer, type LoopbackServer } from '../http/loopback-server.js';

interface NotificationsApiLike {
  postNotificationsChannels(): Promise<unknown>;
}
const NotificationsApi = (
  platformClient as unknown as { NotificationsApi: new (client: unknown) => NotificationsApiLike }
).NotificationsApi;

let server: LoopbackServer | undefined;
let tokens: TokenProvider | undefined;
afterEach(async () => {
  tokens?.close();
  await server?.close();
});

describe('KeepAliveHttpClient under the SDK', () => {
  it("serves the SDK's own API classes with the SDK's stored token", async () => {
    let answer = {
      status: 200,
      body: { id: 'ch-1', connectUri: 'ws://127.0.0.1:1/ch-1', expires: 'later' } as unknown,
    };
    server = await startLoopbackServer((request) =>
      request.url === '/oauth/token' ? tokenAnswer('sdk-token') : answer,
    );
    tokens = new TokenProvider({
      environment: resolveEnvironment(server.baseUrl),
      clientId: 'c',
      clientSecret: 's',
    });
    await tokens.getAccessToken();
    const notifications = new NotificationsApi((await tokens.session.open()).apiClient);
    await expect(notifications.postNotificationsChannels()).resolves.toEqual(answer.body);
    expect(server.requests[1]?.headers.authorization).toBe('Bearer sdk-token');

    // Non-2xx: the SDK rejects with the body, as it does with its default client.
    answer = { status: 404, body: { message: 'gone', code: 'not.found', status: 404 } };
    await expect(notifications.postNotificationsChannels()).rejects.toEqual(answer.body);
  });
});
