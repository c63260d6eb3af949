import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { AbortError, StreamError } from '../../src/errors.js';
import { connectToAiStream } from '../../src/connect-to-ai-stream.js';
import { handleStreamEvents } from '../../src/stream/index.js';
import { startFakeGenesys, type FakeGenesys } from './fake-genesys.js';
import { answerChunks, until } from './stream-test-kit.js';

let fake: FakeGenesys | undefined;
// What each test counts (malformed frames, a drop after two chunks) must reach the socket.
const HOLD = { holdFirstChunkUntilSubscribed: true };

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function socketFor(
  id: string,
  chunks = 10,
  error?: { code: string; message: string },
): Promise<WebSocket> {
  fake ??= await startFakeGenesys(HOLD);
  fake.startConversation(id, answerChunks(id, chunks), { error });
  const accessToken = await fake.backend.getAccessToken();
  return connectToAiStream({ socketBaseUrl: fake.backend.socketBaseUrl, accessToken, conversationId: id });
}

const closed =
  (ws: WebSocket): (() => boolean) =>
  () =>
    ws.readyState === ws.CLOSED;

describe('connectToAiStream + handleStreamEvents', () => {
  it('returns the exact text and closes the socket on completion', async () => {
    const ws = await socketFor('h1');
    const outcome = await handleStreamEvents(ws, Number.POSITIVE_INFINITY, {
      conversationId: 'h1',
      readConversation: (s) => fake!.backend.getConversation('a1', 'h1', s),
    });
    expect(outcome).toMatchObject({ text: fake!.text('h1'), finishReason: 'stop', truncated: false });
    await until(closed(ws));
  });

  it('skips and counts malformed frames instead of failing', async () => {
    fake = await startFakeGenesys(HOLD);
    fake.malformedEvery(5);
    const ws = await socketFor('h2', 3);
    const outcome = await handleStreamEvents(ws, Number.POSITIVE_INFINITY, {
      conversationId: 'h2',
      readConversation: (s) => fake!.backend.getConversation('a1', 'h2', s),
    });
    expect(outcome.text).toBe(fake.text('h2'));
    expect(outcome.malformedFrames).toBeGreaterThan(0);
    await until(closed(ws));
  });

  it('stops at the budget, marks the result truncated and closes the socket', async () => {
    const ws = await socketFor('h3', 40);
    const outcome = await handleStreamEvents(ws, 10, { countTokens: (t) => t.length });
    expect(outcome).toMatchObject({ truncated: true, finishReason: 'budget' });
    expect(fake!.text('h3').startsWith(outcome.text)).toBe(true);
    await until(closed(ws));
  });

  it('rejects on an aiResponseError event with its code, and closes the socket', async () => {
    const ws = await socketFor('h4', 10, { code: 'safety.blocked', message: 'no' });
    const error = await handleStreamEvents(ws, 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).code).toBe('safety.blocked');
    await until(closed(ws));
  });

  it('rejects with AbortError when aborted, and closes the socket', async () => {
    const ws = await socketFor('h5', 200);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await expect(handleStreamEvents(ws, 1e9, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    await until(closed(ws));
  });

  it('rejects when the socket closes before the answer completes', async () => {
    fake = await startFakeGenesys(HOLD);
    fake.dropAfterChunks(2);
    const ws = await socketFor('h6', 20);
    await expect(handleStreamEvents(ws, 1e9)).rejects.toMatchObject({ code: 'stream.interrupted' });
  });
});
