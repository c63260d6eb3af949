/**
 * The `/api/v2` routes of the emulator: which path template a request matches, and the scope it needs.
 */
import { SCOPE_ASSISTANT_READ, SCOPE_ASSISTANT_WRITE } from '../contract/conversation.js';
import { SCOPE_NOTIFICATIONS } from '../contract/notifications.js';
import { matchGuideRoute, type GuideOperation, type GuideRouteParams } from './guides-routes.js';

/** The operations the emulator serves under `/api/v2`. */
export type ApiOperation =
  | 'createConversation'
  | 'readConversation'
  | 'createChannel'
  | 'listChannels'
  | 'getSubscriptions'
  | 'addSubscriptions'
  | 'replaceSubscriptions'
  | 'deleteSubscriptions'
  | GuideOperation;

/** A request matched to its operation. */
export interface MatchedRoute {
  operation: ApiOperation;
  /** `METHOD /path/{param}`, the key of `requestsByRoute`. */
  key: string;
  /** The scope a token needs for it. */
  scope: string;
  /** When set, any one of these scopes allows the request (`scope` is then the one a 403 names). */
  scopes?: readonly string[];
  params: { assistantId?: string; conversationId?: string; channelId?: string } & GuideRouteParams;
}

const CONVERSATIONS = '/api/v2/ai/assistants/{assistantId}/conversations';
const CONVERSATION = `${CONVERSATIONS}/{conversationId}`;
const CHANNELS = '/api/v2/notifications/channels';
const SUBSCRIPTIONS = `${CHANNELS}/{channelId}/subscriptions`;

const SUBSCRIPTION_OPERATIONS: Record<string, ApiOperation> = {
  GET: 'getSubscriptions',
  POST: 'addSubscriptions',
  PUT: 'replaceSubscriptions',
  DELETE: 'deleteSubscriptions',
};

/**
 * Matches `method` + `pathname` (no query) to an operation, or undefined for an unknown route
 * (a path segment that is not valid percent-encoding is unknown too).
 */
export function matchApiRoute(method: string, pathname: string): MatchedRoute | undefined {
  const raw = pathname.replace(/\/+$/, '').split('/').slice(1);
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  if (segments[0] !== 'api' || segments[1] !== 'v2' || segments.some((s) => s === '')) return undefined;
  const rest = segments.slice(2);
  if (rest[0] === 'guides') return matchGuideRoute(method, rest.slice(1));
  if (rest[0] === 'ai' && rest[1] === 'assistants' && rest[3] === 'conversations') {
    const assistantId = rest[2];
    if (rest.length === 4 && method === 'POST') {
      return route('createConversation', `POST ${CONVERSATIONS}`, SCOPE_ASSISTANT_WRITE, { assistantId });
    }
    if (rest.length === 5 && method === 'GET') {
      return route('readConversation', `GET ${CONVERSATION}`, SCOPE_ASSISTANT_READ, {
        assistantId,
        conversationId: rest[4],
      });
    }
    return undefined;
  }
  if (rest[0] === 'notifications' && rest[1] === 'channels') {
    if (rest.length === 2 && method === 'POST') {
      return route('createChannel', `POST ${CHANNELS}`, SCOPE_NOTIFICATIONS, {});
    }
    if (rest.length === 2 && method === 'GET') {
      return route('listChannels', `GET ${CHANNELS}`, SCOPE_NOTIFICATIONS, {});
    }
    const operation = SUBSCRIPTION_OPERATIONS[method];
    if (rest.length === 4 && rest[3] === 'subscriptions' && operation !== undefined) {
      return route(operation, `${method} ${SUBSCRIPTIONS}`, SCOPE_NOTIFICATIONS, { channelId: rest[2] });
    }
  }
  return undefined;
}

function route(
  operation: ApiOperation,
  key: string,
  scope: string,
  params: MatchedRoute['params'],
): MatchedRoute {
  return { operation, key, scope, params };
}
