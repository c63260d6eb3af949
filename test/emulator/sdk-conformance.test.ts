/**
 * Conformance: the official SDK `purecloud-platform-client-v2`, with its own HTTP client (axios),
 * pointed at the emulator through `setGateway`, logs in, creates a channel through `NotificationsApi`
 * and calls the conversation endpoints through `callApi`; a `ws` client then uses the channel.
 */
import platformClient from 'purecloud-platform-client-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { createSdkApiClient, loadSdk, type SdkApiClient } from '../../src/sdk/sdk-binding.js';
import {
  ChannelSchema,
  ConversationCreatedSchema,
  ConversationSchema,
  ErrorBodySchema,
  SubscriptionListSchema,
  aiResponseTopic,
} from '../../src/contract/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { ASSISTANT, createBody, eventsOf, openSocket, start, stopAll, until } from './emulator-test-kit.js';

afterEach(stopAll);

const CONVERSATIONS = '/api/v2/ai/assistants/{assistantId}/conversations';
const CONVERSATION = `${CONVERSATIONS}/{conversationId}`;
const AUTH = ['PureCloud OAuth'];
const JSON_TYPE = ['application/json'];

interface SdkNotificationsApi {
  postNotificationsChannels(): Promise<unknown>;
  postNotificationsChannelSubscriptions(channelId: string, body: Array<{ id: string }>): Promise<unknown>;
  getNotificationsChannelSubscriptions(channelId: string): Promise<unknown>;
}

function notificationsApi(apiClient: SdkApiClient): SdkNotificationsApi {
  const Api = (
    platformClient as unknown as { NotificationsApi: new (client: unknown) => SdkNotificationsApi }
  ).NotificationsApi;
  return new Api(apiClient);
}

/** `POST .../conversations` through the SDK's generic `callApi`, with an idempotency key. */
function postConversation(apiClient: SdkApiClient, idempotencyKey: string): Promise<unknown> {
  return apiClient.callApi(
    CONVERSATIONS,
    'POST',
    { assistantId: ASSISTANT },
    {},
    { 'Idempotency-Key': idempotencyKey },
    {},
    createBody('What is the refund policy?'),
    AUTH,
    JSON_TYPE,
    JSON_TYPE,
  );
}

async function sdkClientFor(emulator: Emulator): Promise<SdkApiClient> {
  const apiClient = createSdkApiClient(await loadSdk());
  apiClient.setGateway({ host: '127.0.0.1', protocol: 'http', port: emulator.port });
  const auth = await apiClient.loginClientCredentialsGrant(emulator.clientId, emulator.clientSecret);
  expect(auth.accessToken.length).toBeGreaterThan(20);
  expect(auth.tokenExpiryTime).toBeGreaterThan(Date.now() + 86_000_000);
  return apiClient;
}

describe('official SDK against the emulator (conformance)', () => {
  it('logs in with loginClientCredentialsGrant through setGateway', async () => {
    const emulator = await start();
    await sdkClientFor(emulator);
    expect(emulator.stats().tokensIssued).toBe(1);
  });

  it('rejects bad credentials through the SDK', async () => {
    const emulator = await start();
    const apiClient = createSdkApiClient(await loadSdk());
    apiClient.setGateway({ host: '127.0.0.1', protocol: 'http', port: emulator.port });
    // The SDK rejects with its HTTP client's error carrying the emulator's OAuth answer.
    await expect(apiClient.loginClientCredentialsGrant(emulator.clientId, 'wrong')).rejects.toMatchObject({
      status: 401,
      response: {
        status: 401,
        data: { error: 'invalid_client', error_description: 'client not found or bad client secret' },
      },
    });
    expect(emulator.stats().tokensIssued).toBe(0);
  });

  it('creates a channel with NotificationsApi; a ws client on its connectUri gets a heartbeat and a pong', async () => {
    const emulator = await start({ heartbeatIntervalMs: 25 });
    const apiClient = await sdkClientFor(emulator);
    const notifications = notificationsApi(apiClient);
    const channel = ChannelSchema.parse(await notifications.postNotificationsChannels());
    const socket = await openSocket(channel.connectUri);
    await until(() =>
      socket.json().some((f) => (f as { topicName: string }).topicName === 'channel.metadata'),
    );
    expect(socket.json()[0]).toEqual({
      topicName: 'channel.metadata',
      eventBody: { message: 'WebSocket Heartbeat' },
    });
    socket.ws.send(JSON.stringify({ message: 'ping' }));
    await until(() =>
      socket.json().some((f) => (f as { eventBody?: { message?: string } }).eventBody?.message === 'pong'),
    );
  });

  it('creates, subscribes and reads a conversation through callApi and NotificationsApi', async () => {
    const emulator = await start({ holdFirstChunkUntilSubscribed: true });
    const apiClient = await sdkClientFor(emulator);
    const notifications = notificationsApi(apiClient);
    const channel = ChannelSchema.parse(await notifications.postNotificationsChannels());
    const socket = await openSocket(channel.connectUri);

    const created = ConversationCreatedSchema.parse(await postConversation(apiClient, 'sdk-key-1'));
    expect(created.status).toBe('queued');
    const subscribed = SubscriptionListSchema.parse(
      await notifications.postNotificationsChannelSubscriptions(channel.id, [
        { id: aiResponseTopic(created.id) },
      ]),
    );
    expect(subscribed.entities).toEqual([{ id: aiResponseTopic(created.id) }]);
    await until(() => eventsOf(socket, 'aiResponseComplete').length === 1);

    const read = ConversationSchema.parse(
      await apiClient.callApi(
        CONVERSATION,
        'GET',
        { assistantId: ASSISTANT, conversationId: created.id },
        {},
        {},
        {},
        null,
        AUTH,
        JSON_TYPE,
        JSON_TYPE,
      ),
    );
    expect(read.status).toBe('completed');
    expect(
      eventsOf(socket, 'aiResponseChunk')
        .map((c) => c.data.content)
        .join(''),
    ).toBe(read.response.text);

    const replay = await postConversation(apiClient, 'sdk-key-1');
    expect(replay).toEqual(created);
    expect(emulator.stats()).toMatchObject({ conversationsCreated: 1, idempotentReplays: 1 });
  });

  it('surfaces the Genesys error body of a 404 through callApi', async () => {
    const emulator = await start();
    const apiClient = await sdkClientFor(emulator);
    const failure = await apiClient
      .callApi(
        CONVERSATION,
        'GET',
        { assistantId: ASSISTANT, conversationId: 'missing' },
        {},
        {},
        {},
        null,
        AUTH,
        JSON_TYPE,
        JSON_TYPE,
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(ErrorBodySchema.parse(failure)).toMatchObject({ status: 404, code: 'not.found' });
  });
});
