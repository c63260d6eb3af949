/**
 * The conversations a live idempotency key points at (the emulator keeps them while the key lives):
 * each once, only until the key's window ends, which is half-open as for `get`.
 */
import { describe, expect, it } from 'vitest';
import type { ConversationCreated } from '../../src/contract/conversation.js';
import { IdempotencyCache } from '../../src/emulator/idempotency-cache.js';

const created = (id: string): ConversationCreated => ({
  id,
  assistantId: 'assistant',
  status: 'queued',
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('IdempotencyCache.conversationsPointedAt', () => {
  it('lists each conversation a live key points at, until the window ends', () => {
    const cache = new IdempotencyCache(1000);
    cache.remember('client', 'a', created('c1'), 5000);
    cache.remember('other', 'a', created('c1'), 5000);
    cache.remember('client', 'b', created('c2'), 5500);
    expect(cache.conversationsPointedAt(5000)).toEqual(new Set(['c1', 'c2']));
    expect(cache.conversationsPointedAt(5999)).toEqual(new Set(['c1', 'c2']));
    expect(cache.conversationsPointedAt(6000)).toEqual(new Set(['c2']));
    expect(cache.conversationsPointedAt(6500)).toEqual(new Set());
  });
});
