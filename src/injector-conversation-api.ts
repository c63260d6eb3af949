/**
 * The conversation endpoints the stream backends need, filled in from the REST client and the token
 * provider, so `stream/` reaches neither directly.
 */
import { socketUrlProblem } from './environment/resolve-environment.js';
import type { TokenProvider } from './auth/token-provider.js';
import { InvalidResponseError } from './errors.js';
import type { GenesysApi } from './http/genesys-api.js';
import type { Channel, ConversationApi } from './stream/stream-backend.js';

/**
 * Adapts the REST client and the token provider to `ConversationApi`.
 * @param api the REST client
 * @param tokens the token provider (for the direct socket's bearer token)
 * @param socketBaseUrl the ws(s) origin of the environment
 */
export function conversationApi(
  api: GenesysApi,
  tokens: TokenProvider,
  socketBaseUrl: string,
): ConversationApi {
  return {
    socketBaseUrl,
    getAccessToken: (signal) => tokens.getAccessToken(signal),
    invalidateToken: (token) => tokens.invalidate(token),
    createConversation: (assistantId, payload, options) =>
      api.createConversation(assistantId, payload, options),
    createChannel: async (signal, deadlineAt) =>
      checkedChannel(await api.createChannel({ signal, ...deadlineOption(deadlineAt) }), tokens),
    addSubscriptions: async (channelId, topics, signal, deadlineAt) => {
      await api.addSubscriptions(channelId, topics, { signal, ...deadlineOption(deadlineAt) });
    },
    replaceSubscriptions: async (channelId, topics, signal) => {
      await api.replaceSubscriptions(channelId, topics, { signal });
    },
    getConversation: (assistantId, conversationId, signal, deadlineAt) =>
      api.getConversation(assistantId, conversationId, { signal, ...deadlineOption(deadlineAt) }),
  };
}

/** The REST call's `deadlineMs` for an injection's deadline (`Date.now()` ms), if it has one. */
function deadlineOption(deadlineAt: number | undefined): { deadlineMs?: number } {
  return deadlineAt === undefined ? {} : { deadlineMs: Math.max(1, deadlineAt - Date.now()) };
}

/**
 * The channel, when its `connectUri` obeys the environment's rule (see `socketUrlProblem`).
 * @throws InvalidResponseError naming what is wrong and the fix; never retried
 */
function checkedChannel(channel: Channel, tokens: TokenProvider): Channel {
  const problem = socketUrlProblem(channel.connectUri, tokens.environment);
  if (problem === undefined) return channel;
  throw new InvalidResponseError(
    `POST /api/v2/notifications/channels answered an unsafe connectUri: ${problem}. Refused; check that the environment is the Genesys Cloud API you meant (plain ws:// to the environment's own host needs allowInsecure: true)`,
    { status: 200, code: 'unsafe.connect.uri' },
  );
}
