/**
 * The conversation endpoints the stream backends need, filled in from the REST client and the token
 * provider, so `stream/` reaches neither directly.
 */
import type { TokenProvider } from './auth/token-provider.js';
import type { GenesysApi } from './http/genesys-api.js';
import type { ConversationApi } from './stream/stream-backend.js';

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
    createChannel: (signal) => api.createChannel({ signal }),
    addSubscriptions: async (channelId, topics, signal) => {
      await api.addSubscriptions(channelId, topics, { signal });
    },
    replaceSubscriptions: async (channelId, topics, signal) => {
      await api.replaceSubscriptions(channelId, topics, { signal });
    },
    getConversation: (assistantId, conversationId, signal) =>
      api.getConversation(assistantId, conversationId, { signal }),
  };
}
