/**
 * Turns one raw socket frame into a typed event, or a `malformed` marker. Never throws: a bad frame
 * is counted and skipped by the caller (a malformed frame must not fail the stream).
 */
import { checkAiStreamEvent, isNotificationFrame } from '../contract/frame-check.js';
import {
  HEARTBEAT_TOPIC,
  SOCKET_CLOSING_TOPIC,
  assistantIdFromTopic,
  conversationIdFromTopic,
} from '../contract/notifications.js';
import { DirectSubscribedSchema, type AiStreamEvent } from '../contract/stream-events.js';

/** Raw data as `ws` hands it over. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

/** A frame of the direct socket, parsed. */
export type DirectFrame =
  | { kind: 'event'; event: AiStreamEvent }
  | { kind: 'subscribed'; conversationId: string }
  | { kind: 'malformed'; reason: string };

/** A frame of a notification channel socket, parsed. */
export type NotificationFrameEvent =
  /**
   * `assistantId` is set when the event came on an assistant responses topic (any conversation of
   * that assistant); `bytes` is the frame's size.
   */
  | { kind: 'event'; event: AiStreamEvent; bytes: number; assistantId?: string }
  | { kind: 'heartbeat' }
  | { kind: 'pong' }
  | { kind: 'socket-closing' }
  /** A frame on a topic this client does not stream (ignored, not malformed). */
  | { kind: 'other'; topicName: string }
  /** `conversationId` is set when the topic was readable but its body was not. */
  | { kind: 'malformed'; reason: string; conversationId?: string };

function rawToText(raw: RawFrame): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}

/** The frame's size in bytes (UTF-16 code units for a string, which `ws` does not hand over for text). */
function rawBytes(raw: RawFrame): number {
  if (typeof raw === 'string') return raw.length;
  if (Array.isArray(raw)) return raw.reduce((sum, part) => sum + part.length, 0);
  return raw.byteLength;
}

/** Sentinel for text that is not JSON (no wrapper object per frame). */
const NOT_JSON: unique symbol = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/**
 * Parses a frame of the direct socket (`/api/v2/conversations`).
 * @param raw the frame's data
 */
export function parseDirectFrame(raw: RawFrame): DirectFrame {
  const value = parseJson(rawToText(raw));
  if (value === NOT_JSON) return { kind: 'malformed', reason: 'not JSON' };
  const event = checkAiStreamEvent(value);
  if (event !== undefined) return { kind: 'event', event };
  const subscribed = DirectSubscribedSchema.safeParse(value);
  if (subscribed.success) return { kind: 'subscribed', conversationId: subscribed.data.data.conversationId };
  return { kind: 'malformed', reason: 'not a stream event' };
}

/** Where a topic's events go: one conversation, or any conversation of one assistant. */
interface TopicRoute {
  conversationId?: string | undefined;
  assistantId?: string | undefined;
}

/** The last topic read and its route: on an assistant topic every frame of a channel repeats it. */
let lastTopic = '';
let lastRoute: TopicRoute = {};

function topicRoute(topicName: string): TopicRoute {
  if (topicName === lastTopic) return lastRoute;
  const conversationId = conversationIdFromTopic(topicName);
  const route: TopicRoute =
    conversationId === undefined ? { assistantId: assistantIdFromTopic(topicName) } : { conversationId };
  lastTopic = topicName;
  lastRoute = route;
  return route;
}

/**
 * Parses a frame of a notification channel socket (`{topicName, eventBody}`).
 * @param raw the frame's data
 */
export function parseNotificationFrame(raw: RawFrame): NotificationFrameEvent {
  const text = rawToText(raw);
  const value = parseJson(text);
  if (value === NOT_JSON) return { kind: 'malformed', reason: 'not JSON' };
  // socket_closing may come without an eventBody, which the frame schema requires.
  if ((value as { topicName?: unknown } | null)?.topicName === SOCKET_CLOSING_TOPIC)
    return { kind: 'socket-closing' };
  if (!isNotificationFrame(value)) return { kind: 'malformed', reason: 'not a notification frame' };
  const { topicName, eventBody } = value;
  // The pong's topic is not fixed by the contract; its body is.
  const message = (eventBody as { message?: unknown } | null | undefined)?.message;
  if (message === 'pong') return { kind: 'pong' };
  if (topicName === HEARTBEAT_TOPIC) return { kind: 'heartbeat' };
  const { conversationId, assistantId } = topicRoute(topicName);
  if (conversationId === undefined) {
    if (assistantId === undefined) return { kind: 'other', topicName };
    const event = checkAiStreamEvent(eventBody);
    if (event === undefined) return { kind: 'malformed', reason: 'bad AI response event body' };
    return { kind: 'event', event, bytes: rawBytes(raw), assistantId };
  }
  const event = checkAiStreamEvent(eventBody);
  if (event === undefined || event.data.conversationId !== conversationId) {
    return { kind: 'malformed', reason: 'bad AI response event body', conversationId };
  }
  return { kind: 'event', event, bytes: rawBytes(raw) };
}
