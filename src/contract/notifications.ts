/**
 * The Genesys Cloud notification service as docs/protocol.md describes it (real Genesys mechanism).
 */
import { z } from 'zod';

/** Scope needed to create notification channels and manage their subscriptions (Genesys `notifications`). */
export const SCOPE_NOTIFICATIONS = 'notifications';

export const NOTIFICATION_CHANNELS_PATH = '/api/v2/notifications/channels';
export const channelSubscriptionsPath = (channelId: string): string =>
  `${NOTIFICATION_CHANNELS_PATH}/${encodeURIComponent(channelId)}/subscriptions`;

/** Genesys limits: topics per channel, channels per OAuth client, channel lifetime, heartbeat. */
export const MAX_TOPICS_PER_CHANNEL = 1000;
export const MAX_CHANNELS_PER_CLIENT = 20;
export const CHANNEL_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const HEARTBEAT_INTERVAL_MS = 30_000;
/** A socket with no heartbeat or pong for this many intervals is dead. */
export const MISSED_HEARTBEATS_FOR_DEAD = 2.5;

/** Topic carrying one conversation's AI response events. */
export const aiResponseTopic = (conversationId: string): string =>
  `v2.conversations.${conversationId}.aiassistant.responses`;

const AI_TOPIC_RE = /^v2\.conversations\.([^.]+)\.aiassistant\.responses$/;
/** The conversation id in an AI response topic, or undefined for any other topic. */
export const conversationIdFromTopic = (topic: string): string | undefined => AI_TOPIC_RE.exec(topic)?.[1];

/**
 * Topic carrying the AI response events of every conversation of one assistant that the subscribing
 * OAuth client created (this product's contract, not documented Genesys API). One subscription serves
 * all of them, so a conversation needs no subscription request of its own; a server without the topic
 * rejects the subscription (4xx) and the client falls back to `aiResponseTopic`.
 */
export const assistantResponsesTopic = (assistantId: string): string =>
  `v2.ai.assistants.${assistantId}.responses`;

const ASSISTANT_TOPIC_RE = /^v2\.ai\.assistants\.([^.]+)\.responses$/;
/** The assistant id in an assistant responses topic, or undefined for any other topic. */
export const assistantIdFromTopic = (topic: string): string | undefined =>
  ASSISTANT_TOPIC_RE.exec(topic)?.[1];

export const HEARTBEAT_TOPIC = 'channel.metadata';
export const SOCKET_CLOSING_TOPIC = 'v2.system.socket_closing';

/** 200 body of `POST /api/v2/notifications/channels`. */
export const ChannelSchema = z.object({
  id: z.string().min(1),
  connectUri: z.string().min(1),
  expires: z.string(),
});
export type Channel = z.infer<typeof ChannelSchema>;

/** Body of `PUT|POST .../subscriptions`. */
export const SubscriptionRequestSchema = z.array(z.object({ id: z.string().min(1) }));
export type SubscriptionRequest = z.infer<typeof SubscriptionRequestSchema>;

/** 200 body of the subscriptions endpoints. */
export const SubscriptionListSchema = z.object({
  entities: z.array(z.object({ id: z.string() })),
});
export type SubscriptionList = z.infer<typeof SubscriptionListSchema>;

/** One frame on a notification channel socket. */
export const NotificationFrameSchema = z.object({
  topicName: z.string(),
  version: z.string().optional(),
  eventBody: z.unknown(),
  metadata: z.object({ CorrelationId: z.string().optional() }).partial().optional(),
});
export type NotificationFrame = z.infer<typeof NotificationFrameSchema>;

/** What a client sends to ask for a pong. */
export const PING_MESSAGE = { message: 'ping' } as const;
