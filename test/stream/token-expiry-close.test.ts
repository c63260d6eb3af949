import { afterEach, describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import { startKit, TEMPLATE, type Kit } from '../injector-kit.js';

let kit: Kit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

describe('direct transport: the server closes the socket because the token expired', () => {
  it('logs in again, reconnects and still returns the exact text', async () => {
    kit = await startKit({ chunkIntervalMs: 5, tokensPerChunk: 1 }, { transport: 'direct' });
    const { emulator, injector } = kit;
    const stream = injector.streamPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    let expired = false;
    let text = '';
    for await (const item of stream) {
      if (item.type === 'chunk') {
        text += item.content;
        if (!expired) {
          expired = true;
          emulator.expireTokens();
        }
      } else {
        expect(item.result.response).toBe(emulator.conversation(item.result.conversationId)?.text);
        expect(text).toBe(item.result.response);
      }
    }
    expect(expired).toBe(true);
    expect(emulator.stats().tokensIssued).toBe(2);
    expect(emulator.stats().socketsOpened).toBe(2);
  });
});
