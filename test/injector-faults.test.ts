import { afterEach, describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';
import type { StreamTransport } from '../src/injector-options.js';
import { verifyAuditLog } from '../src/observe/audit-verify.js';
import { FAST, TEMPLATE, startKit, type Kit } from './injector-kit.js';

let kit: Kit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

/** Runs `n` injections at once and checks each one's text against the server's. */
async function injectMany(k: Kit, n: number): Promise<void> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      k.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
        variables: { productType: `product ${i}` },
      }),
    ),
  );
  for (const result of results) {
    expect(result.response).toBe(k.emulator.conversation(result.conversationId)!.text);
  }
  expect(new Set(results.map((r) => r.conversationId)).size).toBe(n);
}

/**
 * Streams `n` answers at once; `onFirstChunk` runs once, at the first chunk any of them receives.
 * Each stream must end with exactly one result, whose text is the server's and the streamed chunks'.
 */
async function streamMany(k: Kit, n: number, onFirstChunk: () => void): Promise<void> {
  let fired = false;
  const one = async (i: number): Promise<string> => {
    const results: string[] = [];
    let streamed = '';
    let response = '';
    for await (const item of k.injector.streamPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
      variables: { productType: `product ${i}` },
    })) {
      if (item.type === 'chunk') {
        streamed += item.content;
        if (!fired) {
          fired = true;
          onFirstChunk();
        }
      }
      if (item.type === 'result') {
        expect(item.result.response).toBe(k.emulator.conversation(item.result.conversationId)!.text);
        results.push(item.result.conversationId);
        response = item.result.response;
      }
    }
    expect(results).toHaveLength(1);
    // The chunks yielded add up to the answer: nothing lost, nothing doubled, even across recoveries.
    expect(streamed).toBe(response);
    return streamed;
  };
  const streamed = await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  expect(streamed).toHaveLength(n);
  expect(fired).toBe(true);
}

describe.each<StreamTransport>(['notifications', 'direct'])('streaming over %s under faults', (transport) => {
  it('recovers the exact text after socket drops mid-answer', async () => {
    kit = await startKit({ faults: { seed: 3, dropAfterChunks: 4 } }, { transport });
    await injectMany(kit, 8);
    expect(kit.emulator.stats().injected.drops).toBeGreaterThan(0);
    expect(kit.injector.streamStats().reconnects).toBeGreaterThan(0);
  });

  it('skips malformed frames and still returns the exact text', async () => {
    kit = await startKit({ faults: { seed: 4, malformedFrameRate: 0.3 } }, { transport });
    await injectMany(kit, 8);
    expect(kit.emulator.stats().injected.malformedFrames).toBeGreaterThan(0);
  });

  it('survives access tokens expiring mid-stream', async () => {
    kit = await startKit({ chunkIntervalMs: 3, faults: { seed: 5, dropAfterChunks: 6 } }, { transport });
    await streamMany(kit, 6, () => kit!.emulator.expireTokens());
    await injectMany(kit, 2);
    expect(kit.emulator.stats().tokensIssued).toBeGreaterThanOrEqual(2);
  });

  it('retries 429 and 5xx without creating a conversation twice', async () => {
    kit = await startKit(
      { faults: { seed: 6, rate429: 0.2, rate5xx: 0.1, retryAfterSeconds: 0 } },
      // Which request meets a run of injected faults depends on timing; 10 retries make running out
      // of them (0.3^11 per request) negligible, so the test checks idempotency, not luck.
      { transport, maxRetries: 10 },
    );
    await injectMany(kit, 20);
    const stats = kit.emulator.stats();
    expect(stats.injected.rate429 + stats.injected.rate5xx).toBeGreaterThan(0);
    expect(stats.conversationsCreated).toBe(20);
    await kit.injector.close();
    expect(await verifyAuditLog(kit.auditPath)).toMatchObject({ ok: true, entries: 20 });
  });
});

describe('notification channel lifecycle', () => {
  it('moves to a new channel on socket_closing and keeps the exact text', async () => {
    kit = await startKit({ chunkIntervalMs: 3 });
    await streamMany(kit, 6, () => kit!.emulator.forceSocketClosing(20));
    expect(kit.emulator.stats().injected.socketClosing).toBeGreaterThan(0);
    expect(kit.injector.streamStats().channelsCreated).toBeGreaterThanOrEqual(2);
  });

  it('recovers when the channel expires mid-stream', async () => {
    kit = await startKit({ chunkIntervalMs: 3 });
    await streamMany(kit, 6, () => kit!.emulator.expireChannels());
    expect(kit.injector.streamStats().channelsCreated).toBeGreaterThanOrEqual(2);
  });

  it('carries 1,000 concurrent conversations on one channel with the exact text', async () => {
    // Heartbeats every 2 s: a loaded test machine may stall the event loop past 2.5 short intervals,
    // which the client rightly treats as a dead socket — not what this test is about.
    kit = await startKit(
      { chunkIntervalMs: 2, tokensPerChunk: 8, heartbeatIntervalMs: 2000 },
      { streamTuning: { ...FAST.streamTuning, heartbeatIntervalMs: 2000 } },
    );
    await injectMany(kit, 1000);
    expect(kit.injector.streamStats()).toMatchObject({ channelsCreated: 1, socketsOpened: 1 });
    expect(kit.emulator.stats().conversationsCreated).toBe(1000);
  }, 60_000);
});
