import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Conversation } from '../../src/contract/conversation.js';
import type { AiStreamEvent } from '../../src/contract/stream-events.js';
import { AbortError } from '../../src/errors.js';
import { ChunkQueue } from '../../src/stream/chunk-queue.js';
import { ConversationStream } from '../../src/stream/conversation-stream.js';

const ID = 'conv-1';
const PIECES = ['Refunds ', 'within ', '30 days.'];
const TEXT = PIECES.join('');

const chunk = (sequence: number): AiStreamEvent => ({
  type: 'aiResponseChunk',
  data: { conversationId: ID, sequence, content: PIECES[sequence - 1]! },
});
const complete: AiStreamEvent = {
  type: 'aiResponseComplete',
  data: {
    conversationId: ID,
    finishReason: 'stop',
    usage: { promptTokens: 5, completionTokens: 3 },
    safetyPolicyTriggered: false,
  },
};

/** A stream whose reads answer with the whole completed conversation, counted. */
function streamWithReads() {
  let reads = 0;
  const conversation: Conversation = {
    id: ID,
    assistantId: 'a',
    status: 'completed',
    createdAt: '2026-01-01T00:00:00.000Z',
    response: { text: TEXT, sequence: 3, finishReason: 'stop' },
    usage: { promptTokens: 5, completionTokens: 3 },
    safetyPolicyTriggered: false,
  };
  const stream = new ConversationStream(
    ID,
    {},
    {
      readConversation: async () => {
        reads++;
        return conversation;
      },
      idleReadMs: 1000,
    },
  );
  return { stream, reads: () => reads };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ConversationStream: when it reads the conversation', () => {
  it('reads nothing when chunk 1 comes first on an active subscription and the answer completes', async () => {
    const { stream, reads } = streamWithReads();
    stream.markActive();
    for (const n of [1, 2, 3]) stream.handleEvent(chunk(n));
    stream.handleEvent(complete);
    await expect(stream.result).resolves.toMatchObject({ text: TEXT, reads: 0 });
    expect(reads()).toBe(0);
  });

  it('reads at once when the first chunk on an active subscription is not chunk 1', async () => {
    const { stream, reads } = streamWithReads();
    stream.markActive();
    stream.handleEvent(chunk(2));
    await vi.advanceTimersByTimeAsync(0);
    await expect(stream.result).resolves.toMatchObject({ text: TEXT, reads: 1 });
    expect(reads()).toBe(1);
  });

  it('owes a read for a gap seen before the subscription is active, and pays it on activation', async () => {
    const { stream, reads } = streamWithReads();
    stream.handleEvent(chunk(2));
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(0);
    stream.markActive();
    await vi.advanceTimersByTimeAsync(0);
    await expect(stream.result).resolves.toMatchObject({ text: TEXT });
    expect(reads()).toBe(1);
  });

  it('reads as soon as the subscription is active again after a drop', async () => {
    const { stream, reads } = streamWithReads();
    stream.markActive();
    stream.handleEvent(chunk(1));
    stream.markDropped();
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads()).toBe(0);
    stream.markActive();
    await vi.advanceTimersByTimeAsync(0);
    await expect(stream.result).resolves.toMatchObject({ text: TEXT, reconnects: 1, reads: 1 });
  });

  it('a malformed frame after verification makes it read after the quiet time, unless an in-order chunk clears it', async () => {
    const cleared = streamWithReads();
    cleared.stream.markActive();
    cleared.stream.handleEvent(chunk(1));
    cleared.stream.noteMalformed();
    cleared.stream.handleEvent(chunk(2));
    await vi.advanceTimersByTimeAsync(5000);
    expect(cleared.reads()).toBe(0);
    cleared.stream.cancel();

    const suspect = streamWithReads();
    suspect.stream.markActive();
    suspect.stream.handleEvent(chunk(1));
    suspect.stream.noteMalformed();
    await vi.advanceTimersByTimeAsync(999);
    expect(suspect.reads()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(suspect.stream.result).resolves.toMatchObject({ text: TEXT, malformedFrames: 1, reads: 1 });
  });

  it('each event while it is in doubt starts the quiet time again: the read comes a whole quiet time after the last', async () => {
    const { stream, reads } = streamWithReads();
    stream.markActive();
    await vi.advanceTimersByTimeAsync(600);
    stream.noteMalformed();
    await vi.advanceTimersByTimeAsync(600);
    stream.noteMalformed();
    await vi.advanceTimersByTimeAsync(999);
    expect(reads()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(stream.result).resolves.toMatchObject({ text: TEXT, malformedFrames: 2, reads: 1 });
  });

  it('asks for one more read, not two at once, when a read is wanted while one runs', async () => {
    let release!: () => void;
    let reads = 0;
    const stream = new ConversationStream(
      ID,
      {},
      {
        readConversation: async () => {
          reads++;
          if (reads === 1) await new Promise<void>((resolve) => (release = resolve));
          return {
            id: ID,
            assistantId: 'a',
            status: 'streaming',
            createdAt: '2026-01-01T00:00:00.000Z',
            response: { text: PIECES[0]!, sequence: 1, finishReason: null },
            usage: { promptTokens: 5, completionTokens: 1 },
            safetyPolicyTriggered: false,
          };
        },
      },
    );
    stream.markActive();
    stream.handleEvent(chunk(2)); // reads at once: chunk 1 is missing
    stream.markDropped();
    stream.markActive(); // wants another read while the first runs
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toBe(2);
    stream.cancel();
    await expect(stream.result).rejects.toBeInstanceOf(AbortError);
  });
});

describe('ChunkQueue', () => {
  it('hands chunks to its consumer in order, then the end', async () => {
    const queue = new ChunkQueue({ cancel: () => {} });
    queue.push({ sequence: 1, content: 'a' });
    const seen: string[] = [];
    const consuming = (async () => {
      for await (const item of queue) seen.push(item.content);
    })();
    queue.push({ sequence: 2, content: 'b' });
    queue.end();
    queue.push({ sequence: 3, content: 'ignored' });
    await consuming;
    expect(seen).toEqual(['a', 'b']);
  });

  it('throws the stream’s error once after the queued chunks, and tells when the consumer stops early', async () => {
    let stopped = 0;
    const failing = new ChunkQueue({ cancel: () => void stopped++ });
    failing.push({ sequence: 1, content: 'a' });
    failing.end({ value: new AbortError('gone') });
    const iterator = failing[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toEqual({ value: { sequence: 1, content: 'a' }, done: false });
    await expect(iterator.next()).rejects.toBeInstanceOf(AbortError);
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });

    const early = new ChunkQueue({ cancel: () => void stopped++ });
    early.push({ sequence: 1, content: 'a' });
    for await (const _ of early) break;
    expect(stopped).toBe(1);
  });
});

describe('ConversationStream: the success path aborts nothing', () => {
  it('a read in flight when the answer completes from events is not aborted; a late cancel changes nothing', async () => {
    const signals: AbortSignal[] = [];
    let answer: (conversation: Conversation) => void = () => {};
    const stream = new ConversationStream(
      ID,
      {},
      {
        readConversation: (signal) => {
          signals.push(signal);
          return new Promise<Conversation>((resolve) => {
            answer = resolve;
          });
        },
      },
    );
    stream.markActive();
    stream.handleEvent(chunk(1));
    // A malformed frame may have been ours: after a quiet second it reads.
    stream.noteMalformed();
    vi.advanceTimersByTime(1000);
    expect(signals).toHaveLength(1);
    // The next chunks come in order while the read is in flight: done from events alone.
    stream.handleEvent(chunk(2));
    stream.handleEvent(chunk(3));
    stream.handleEvent(complete);
    const outcome = await stream.result;
    expect(outcome.text).toBe(TEXT);
    expect(signals[0]!.aborted).toBe(false);
    stream.cancel();
    expect(signals[0]!.aborted).toBe(false);
    expect(await stream.result).toBe(outcome);
    // The read's late answer is ignored.
    answer({
      id: ID,
      assistantId: 'a',
      status: 'completed',
      createdAt: '2026-01-01T00:00:00.000Z',
      response: { text: TEXT, sequence: 3, finishReason: 'stop' },
      usage: { promptTokens: 5, completionTokens: 3 },
      safetyPolicyTriggered: false,
    });
    await vi.runAllTimersAsync();
    expect(outcome.reads).toBe(1);
  });

  it('a failure aborts the read in flight with one shared reason', async () => {
    const signals: AbortSignal[] = [];
    const streams = [0, 1].map(
      () =>
        new ConversationStream(
          ID,
          {},
          {
            readConversation: (signal) => {
              signals.push(signal);
              return new Promise<Conversation>(() => {});
            },
          },
        ),
    );
    for (const stream of streams) {
      stream.markActive();
      stream.handleEvent(chunk(2));
      stream.cancel();
      await expect(stream.result).rejects.toBeInstanceOf(AbortError);
    }
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(signals[0]!.reason).toBeInstanceOf(AbortError);
    expect(signals[0]!.reason).toBe(signals[1]!.reason);
  });

  it('creates no read signal when it never reads, and no chunk queue when chunks are not collected', async () => {
    const stream = new ConversationStream(
      ID,
      { collectChunks: false },
      {
        readConversation: async () => {
          throw new Error('no read expected');
        },
      },
    );
    stream.markActive();
    for (const sequence of [1, 2, 3]) stream.handleEvent(chunk(sequence));
    stream.handleEvent(complete);
    expect((await stream.result).text).toBe(TEXT);
    // Asked for after the end, the chunks end at once, empty.
    const seen: string[] = [];
    for await (const piece of stream.chunks) seen.push(piece.content);
    expect(seen).toEqual([]);
  });
});
