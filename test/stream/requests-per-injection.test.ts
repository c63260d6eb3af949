import { afterEach, describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../../src/contract/conversation.js';
import { startKit, TEMPLATE, type Kit } from '../injector-kit.js';

let kit: Kit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

const READ = 'GET /api/v2/ai/assistants/{assistantId}/conversations/{conversationId}';
const CREATE = 'POST /api/v2/ai/assistants/{assistantId}/conversations';
const SUBSCRIBE = 'POST /api/v2/notifications/channels/{channelId}/subscriptions';
const CHANNEL = 'POST /api/v2/notifications/channels';

/** Runs `n` injections one after the other; each answer must be the server's text exactly. */
async function oneAtATime(k: Kit, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    const result = await k.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    expect(result.response).toBe(k.emulator.conversation(result.conversationId)?.text);
  }
}

describe('requests per injection on the notification transport (counted by the emulator)', () => {
  it('at concurrency 1 with the first chunk at once: one create each, one subscription in all, no read', async () => {
    kit = await startKit({ firstChunkDelayMs: 0 });
    await oneAtATime(kit, 12);
    const routes = kit.emulator.stats().requestsByRoute;
    expect(routes[CREATE]).toBe(12);
    expect(routes[CHANNEL]).toBe(1);
    expect(routes[SUBSCRIBE]).toBe(1);
    expect(routes[READ] ?? 0).toBe(0);
  });

  it('where the emulator refuses the assistant topic: one subscription per conversation, all exact', async () => {
    kit = await startKit({ assistantResponsesTopic: false });
    await oneAtATime(kit, 4);
    const routes = kit.emulator.stats().requestsByRoute;
    expect(routes[CREATE]).toBe(4);
    // The refused topic once, then one per conversation.
    expect(routes[SUBSCRIBE]).toBe(5);
  });

  it('at concurrency 20 on the assistant topic: no subscription per conversation and no read', async () => {
    kit = await startKit({ firstChunkDelayMs: 0 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => kit!.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])),
    );
    for (const result of results) {
      expect(result.response).toBe(kit.emulator.conversation(result.conversationId)?.text);
    }
    const routes = kit.emulator.stats().requestsByRoute;
    expect(routes[SUBSCRIBE]).toBe(1);
    expect(routes[READ] ?? 0).toBe(0);
  });
});
