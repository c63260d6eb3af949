import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_WINDOW_MS, type ConversationCreated } from '../../src/contract/conversation.js';
import { IdempotencyCache } from '../../src/emulator/idempotency-cache.js';

const created = (id: string): ConversationCreated => ({
  id,
  assistantId: 'assistant',
  status: 'queued',
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('emulator idempotency cache', () => {
  it('returns the remembered answer for the same client and key until the window ends', () => {
    const cache = new IdempotencyCache(1000);
    cache.remember('client', 'key', created('c1'), 5000);
    expect(cache.get('client', 'key', 5000)).toEqual(created('c1'));
    expect(cache.get('client', 'key', 5999)).toEqual(created('c1'));
    // The window is half-open: at exactly remembered + window the key is forgotten.
    expect(cache.get('client', 'key', 6000)).toBeUndefined();
  });

  it('keeps keys apart per client, and a key apart from another', () => {
    const cache = new IdempotencyCache(1000);
    cache.remember('a', 'k', created('a-k'), 0);
    cache.remember('b', 'k', created('b-k'), 0);
    cache.remember('a', 'k2', created('a-k2'), 0);
    expect(cache.get('a', 'k', 1)?.id).toBe('a-k');
    expect(cache.get('b', 'k', 1)?.id).toBe('b-k');
    expect(cache.get('a', 'k2', 1)?.id).toBe('a-k2');
    expect(cache.get('c', 'k', 1)).toBeUndefined();
    // The client and key are separated, so "a" + "bk" is not "ab" + "k".
    cache.remember('ab', 'k', created('ab-k'), 0);
    expect(cache.get('a', 'bk', 1)).toBeUndefined();
  });

  it('remembering again renews the window', () => {
    const cache = new IdempotencyCache(1000);
    cache.remember('a', 'k', created('first'), 0);
    cache.remember('a', 'k', created('second'), 800);
    expect(cache.get('a', 'k', 1500)?.id).toBe('second');
  });

  it('sweep forgets expired keys only', () => {
    const cache = new IdempotencyCache(1000);
    cache.remember('a', 'old', created('old'), 0);
    cache.remember('a', 'new', created('new'), 500);
    cache.sweep(1000);
    // Swept at the edge of "old"'s window; asking with an earlier clock shows it is really gone.
    expect(cache.get('a', 'old', 0)).toBeUndefined();
    expect(cache.get('a', 'new', 0)?.id).toBe('new');
    cache.sweep(999 + 500);
    expect(cache.get('a', 'new', 0)?.id).toBe('new');
    cache.sweep(1500);
    expect(cache.get('a', 'new', 0)).toBeUndefined();
  });

  it('remembers for 24 hours by default, against the real clock when none is given', () => {
    const cache = new IdempotencyCache();
    const now = Date.now();
    cache.remember('a', 'k', created('x'));
    expect(cache.get('a', 'k')?.id).toBe('x');
    expect(cache.get('a', 'k', now + IDEMPOTENCY_WINDOW_MS - 60_000)?.id).toBe('x');
    expect(cache.get('a', 'k', now + IDEMPOTENCY_WINDOW_MS + 60_000)).toBeUndefined();
    cache.sweep();
    expect(cache.get('a', 'k')?.id).toBe('x');
  });
});
