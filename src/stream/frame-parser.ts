/**
 * Turns one raw socket frame into a typed event, or a `malformed` marker. Never throws: a bad frame
 * is counted and skipped by the caller (a malformed frame must not fail the stream).
 */
import {
  AiStreamEventSchema,
  DirectSubscribedSchema,
  type AiStreamEvent,
} from '../contract/stream-events.js';
import {
  HEARTBEAT_TOPIC,
  NotificationFrameSchema,
  SOCKET_CLOSING_TOPIC,
  conversationIdFromTopic,
} from '../contract/notifications.js';

/** Raw data as `ws` hands it over. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

/** A frame of the direct socket, parsed. */
export type DirectFrame =
  | { kind: 'event'; event: AiStreamEvent }
  | { kind: 'subscribed'; conversationId: string }
  | { kind: 'malformed'; reason: string };

/** A frame of a notification channel socket, parsed. */
export type NotificationFrameEvent =
  | { kind: 'event'; event: AiStreamEvent }
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

function parseJson(raw: RawFrame): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(rawToText(raw)) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Parses a frame of the direct socket (`/api/v2/conversations`).
 * @param raw the frame's data
 */
export function parseDirectFrame(raw: RawFrame): DirectFrame {
  const json = parseJson(raw);
  if (!json.ok) return { kind: 'malformed', reason: 'not JSON' };
  const event = AiStreamEventSchema.safeParse(json.value);
  if (event.success) return { kind: 'event', event: event.data };
  const subscribed = DirectSubscribedSchema.safeParse(json.value);
  if (subscribed.success) return { kind: 'subscribed', conversationId: subscribed.data.data.conversationId };
  return { kind: 'malformed', reason: 'not a stream event' };
}

/**
 * Parses a frame of a notification channel socket (`{topicName, eventBody}`).
 * @param raw the frame's data
 */
export function parseNotificationFrame(raw: RawFrame): NotificationFrameEvent {
  const json = parseJson(raw);
  if (!json.ok) return { kind: 'malformed', reason: 'not JSON' };
  // socket_closing may come without an eventBody, which the frame schema requires.
  if ((json.value as { topicName?: unknown } | null)?.topicName === SOCKET_CLOSING_TOPIC)
    return { kind: 'socket-closing' };
  const frame = NotificationFrameSchema.safeParse(json.value);
  if (!frame.success) return { kind: 'malformed', reason: 'not a notification frame' };
  const { topicName, eventBody } = frame.data;
  // The pong's topic is not fixed by the contract; its body is.
  const message = (eventBody as { message?: unknown } | null | undefined)?.message;
  if (message === 'pong') return { kind: 'pong' };
  if (topicName === HEARTBEAT_TOPIC) return { kind: 'heartbeat' };
  const conversationId = conversationIdFromTopic(topicName);
  if (conversationId === undefined) return { kind: 'other', topicName };
  const event = AiStreamEventSchema.safeParse(eventBody);
  if (!event.success || event.data.data.conversationId !== conversationId) {
    return { kind: 'malformed', reason: 'bad AI response event body', conversationId };
  }
  return { kind: 'event', event: event.data };
}
