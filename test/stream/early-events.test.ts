import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AiStreamEvent } from '../../src/contract/stream-events.js';
import { EarlyEvents } from '../../src/stream/early-events.js';

const chunk = (conversationId: string, sequence: number): AiStreamEvent => ({
  type: 'aiResponseChunk',
  data: { conversationId, sequence, content: `${conversationId}:${sequence}` },
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EarlyEvents', () => {
  it('hands a conversation its events in arrival order, once', () => {
    const early = new EarlyEvents({ maxConversations: 10, maxBytes: 10_000, maxAgeMs: 1000 });
    early.hold('a', chunk('a', 1), 10);
    early.hold('b', chunk('b', 1), 10);
    early.hold('a', chunk('a', 2), 10);
    expect(early.claim('a')).toEqual([chunk('a', 1), chunk('a', 2)]);
    expect(early.claim('a')).toBeUndefined();
    expect(early).toMatchObject({ size: 1, bytes: 10, dropped: 0 });
  });

  it('past the conversation limit drops the oldest conversation whole', () => {
    const early = new EarlyEvents({ maxConversations: 2, maxBytes: 10_000, maxAgeMs: 1000 });
    early.hold('a', chunk('a', 1), 10);
    early.hold('b', chunk('b', 1), 10);
    early.hold('a', chunk('a', 2), 10);
    early.hold('c', chunk('c', 1), 10);
    expect(early.claim('a')).toBeUndefined();
    expect(early.claim('b')).toEqual([chunk('b', 1)]);
    expect(early.dropped).toBe(1);
  });

  it('past the byte limit drops oldest conversations until it fits, the new one too if it alone is too big', () => {
    const early = new EarlyEvents({ maxConversations: 10, maxBytes: 100, maxAgeMs: 1000 });
    early.hold('a', chunk('a', 1), 60);
    early.hold('b', chunk('b', 1), 30);
    early.hold('b', chunk('b', 2), 30);
    expect(early.claim('a')).toBeUndefined();
    expect(early.bytes).toBe(60);
    early.hold('huge', chunk('huge', 1), 500);
    expect(early).toMatchObject({ size: 0, bytes: 0, dropped: 3 });
  });

  it('expires unclaimed events after maxAgeMs, by its timer, with no new event', () => {
    const early = new EarlyEvents({ maxConversations: 10, maxBytes: 10_000, maxAgeMs: 1000 });
    early.hold('a', chunk('a', 1), 10);
    vi.advanceTimersByTime(500);
    early.hold('b', chunk('b', 1), 10);
    vi.advanceTimersByTime(500);
    expect(early.claim('a')).toBeUndefined();
    expect(early.size).toBe(1);
    vi.advanceTimersByTime(500);
    expect(early).toMatchObject({ size: 0, bytes: 0, dropped: 2 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clear forgets everything and stops its timer', () => {
    const early = new EarlyEvents({ maxConversations: 10, maxBytes: 10_000, maxAgeMs: 1000 });
    early.hold('a', chunk('a', 1), 10);
    early.clear();
    expect(early).toMatchObject({ size: 0, bytes: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
