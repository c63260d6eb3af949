import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseDirectFrame, parseNotificationFrame } from '../../src/stream/index.js';

const chunk = { type: 'aiResponseChunk', data: { conversationId: 'c1', sequence: 1, content: 'Hi' } };

describe('parseDirectFrame', () => {
  it('parses the three AI events and subscribed', () => {
    expect(parseDirectFrame(JSON.stringify(chunk))).toEqual({ kind: 'event', event: chunk });
    expect(parseDirectFrame(Buffer.from('{"type":"subscribed","data":{"conversationId":"c1"}}'))).toEqual({
      kind: 'subscribed',
      conversationId: 'c1',
    });
    const error = { type: 'aiResponseError', data: { conversationId: 'c1', code: 'x', message: 'm' } };
    expect(parseDirectFrame(JSON.stringify(error))).toEqual({ kind: 'event', event: error });
  });

  it('marks bad JSON and unknown shapes malformed', () => {
    expect(parseDirectFrame('{nope').kind).toBe('malformed');
    expect(parseDirectFrame('{"type":"aiResponseChunk","data":{"sequence":0}}').kind).toBe('malformed');
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (raw) => {
        expect(['event', 'subscribed', 'malformed']).toContain(parseDirectFrame(raw).kind);
        expect(parseNotificationFrame(raw).kind).toBeTypeOf('string');
      }),
    );
  });
});

describe('parseNotificationFrame', () => {
  const topic = 'v2.conversations.c1.aiassistant.responses';
  it('unwraps AI events from their topic', () => {
    const raw = JSON.stringify({ topicName: topic, eventBody: chunk });
    expect(parseNotificationFrame(raw)).toEqual({ kind: 'event', event: chunk, bytes: raw.length });
  });

  it("unwraps any conversation's events from an assistant responses topic, naming the assistant", () => {
    const raw = Buffer.from(JSON.stringify({ topicName: 'v2.ai.assistants.a1.responses', eventBody: chunk }));
    expect(parseNotificationFrame(raw)).toEqual({
      kind: 'event',
      event: chunk,
      bytes: raw.length,
      assistantId: 'a1',
    });
    const bad = { topicName: 'v2.ai.assistants.a1.responses', eventBody: { type: 'aiResponseChunk' } };
    expect(parseNotificationFrame(JSON.stringify(bad))).toEqual({
      kind: 'malformed',
      reason: 'bad AI response event body',
    });
  });
  it('recognises heartbeat, pong and socket_closing', () => {
    expect(
      parseNotificationFrame('{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}')
        .kind,
    ).toBe('heartbeat');
    expect(
      parseNotificationFrame('{"topicName":"channel.metadata","eventBody":{"message":"pong"}}').kind,
    ).toBe('pong');
    expect(parseNotificationFrame('{"topicName":"v2.system.socket_closing"}').kind).toBe('socket-closing');
  });
  it('names the conversation of a bad event body, and ignores foreign topics', () => {
    expect(
      parseNotificationFrame(JSON.stringify({ topicName: topic, eventBody: { type: 'x' } })),
    ).toMatchObject({
      kind: 'malformed',
      conversationId: 'c1',
    });
    const other = { ...chunk, data: { ...chunk.data, conversationId: 'c2' } };
    expect(parseNotificationFrame(JSON.stringify({ topicName: topic, eventBody: other })).kind).toBe(
      'malformed',
    );
    expect(parseNotificationFrame('{"topicName":"v2.users.u1.presence","eventBody":{}}').kind).toBe('other');
    expect(parseNotificationFrame('[]').kind).toBe('malformed');
  });
});
