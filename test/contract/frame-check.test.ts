import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversationCreatedSchema } from '../../src/contract/conversation.js';
import {
  checkAiStreamEvent,
  checkConversationCreated,
  checkNotificationFrame,
  isNotificationFrame,
} from '../../src/contract/frame-check.js';
import { NotificationFrameSchema } from '../../src/contract/notifications.js';
import { AiStreamEventSchema } from '../../src/contract/stream-events.js';

/** A value that is sometimes what the schema wants and sometimes anything JSON can hold. */
const either = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: fc.jsonValue() });

/** Numbers near every bound the schemas set: 0, 1, negatives, fractions, past the safe integers. */
const counts = fc.oneof(
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(-0, 0.5, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, 1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** An object with the given fields, each maybe missing, plus maybe an unknown key. */
function record(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.option(fc.tuple(fc.constantFrom('extra', 'x'), fc.jsonValue()), { nil: undefined }),
    )
    .map(([body, extra]) => (extra === undefined ? body : { ...body, [extra[0]]: extra[1] }));
}

const usage = record({ promptTokens: either(counts), completionTokens: either(counts) });
const eventData = record({
  conversationId: either(fc.constantFrom('c1', '')),
  sequence: either(counts),
  content: either(fc.string()),
  finishReason: either(fc.constantFrom('stop', 'length', 'safety', 'done')),
  usage: either(usage),
  safetyPolicyTriggered: either(fc.boolean()),
  code: either(fc.string()),
  message: either(fc.string()),
});
const event = record({
  type: either(fc.constantFrom('aiResponseChunk', 'aiResponseComplete', 'aiResponseError', 'other')),
  data: either(eventData),
});
const frame = record({
  topicName: either(fc.constantFrom('v2.conversations.c1.aiassistant.responses', 'channel.metadata')),
  version: either(fc.constant('2')),
  eventBody: either(event),
  metadata: either(record({ CorrelationId: either(fc.string()) })),
});

const created = record({
  id: either(fc.constantFrom('conv-1', '')),
  assistantId: either(fc.constantFrom('a1', '')),
  status: either(fc.constantFrom('queued', 'streaming', 'completed', 'failed', 'done')),
  createdAt: either(fc.constantFrom('2026-11-27T06:00:00.000Z', '')),
});

/** Round-trips through JSON, as frames do: the checks are for `JSON.parse` output. */
const json = (arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  arbitrary.map((value) => JSON.parse(JSON.stringify(value ?? null)) as unknown);

/**
 * Asserts `check` accepts, rejects and returns exactly what `schema` does over `arbitrary`, and that
 * the generator reaches both sides, so the property is not vacuous.
 */
function expectAgreement(
  arbitrary: fc.Arbitrary<unknown>,
  schema: { safeParse(value: unknown): { success: true; data: unknown } | { success: false } },
  check: (value: unknown) => unknown,
): void {
  let accepted = 0;
  fc.assert(
    fc.property(json(arbitrary), (value) => {
      const parsed = schema.safeParse(value);
      const checked = check(value);
      expect(checked === undefined).toBe(!parsed.success);
      if (parsed.success) {
        accepted += 1;
        expect(checked).toStrictEqual(parsed.data);
      }
    }),
    { numRuns: 2500, seed: 13 },
  );
  expect(accepted).toBeGreaterThan(30);
}

describe('frame checks agree with the contract schemas', () => {
  it('checkAiStreamEvent accepts, rejects and returns exactly what AiStreamEventSchema does', () => {
    expectAgreement(event, AiStreamEventSchema, checkAiStreamEvent);
  });

  it('checkNotificationFrame accepts, rejects and returns exactly what NotificationFrameSchema does', () => {
    expectAgreement(frame, NotificationFrameSchema, checkNotificationFrame);
  });

  it('isNotificationFrame accepts exactly what NotificationFrameSchema accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(json(frame), (value) => {
        const valid = NotificationFrameSchema.safeParse(value).success;
        expect(isNotificationFrame(value)).toBe(valid);
        if (valid) accepted += 1;
      }),
      { numRuns: 2500, seed: 14 },
    );
    expect(accepted).toBeGreaterThan(30);
  });

  it('checkConversationCreated accepts, rejects and returns exactly what ConversationCreatedSchema does', () => {
    expectAgreement(created, ConversationCreatedSchema, checkConversationCreated);
  });

  it('agree on anything JSON can hold', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(checkAiStreamEvent(value) === undefined).toBe(!AiStreamEventSchema.safeParse(value).success);
        expect(checkNotificationFrame(value) === undefined).toBe(
          !NotificationFrameSchema.safeParse(value).success,
        );
        expect(isNotificationFrame(value)).toBe(NotificationFrameSchema.safeParse(value).success);
        expect(checkConversationCreated(value) === undefined).toBe(
          !ConversationCreatedSchema.safeParse(value).success,
        );
      }),
      { numRuns: 2000, seed: 13 },
    );
  });
});
