import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConversationCreateRequest } from '../../src/contract/conversation.js';
import { canonicalJson, promptHash } from '../../src/observe/canonical-json.js';
import { payloadJson } from '../../src/contract/payload-json.js';
import { payloadHash } from '../../src/observe/payload-hash.js';
import { preparePrompt } from '../../src/prompt/prepare-prompt.js';

const payloads: fc.Arbitrary<ConversationCreateRequest> = fc.record({
  assistantId: fc.string({ minLength: 1, unit: 'binary' }),
  messages: fc.array(
    fc.record({
      role: fc.constantFrom('system', 'user', 'assistant'),
      content: fc.string({ minLength: 1, unit: 'binary' }),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  settings: fc.record({
    maxTokens: fc.integer({ min: 1, max: 1_000_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    safetyPolicy: fc.constantFrom('strict', 'standard'),
  }),
});

describe('payloadHash', () => {
  it('writes exactly the canonical JSON of any payload, so it equals promptHash', () => {
    fc.assert(
      fc.property(payloads, (payload) => {
        expect(payloadJson(payload)).toBe(canonicalJson(payload));
        // Again, with the first message's JSON remembered from the call before.
        expect(payloadHash(payload)).toBe(promptHash(payload));
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('hashes a prepared prompt as promptHash does', () => {
    const prepared = preparePrompt(
      {
        systemInstruction: 'You are "careful" \\ and\nbrief.',
        userTemplate: 'Explain {{topic}} — ünïcödé ✓',
        variables: { topic: 'refunds' },
        contextWindowLimit: 4096,
        settings: { temperature: 0.35, safetyPolicy: 'standard' },
      },
      'assistant-1',
      [],
    );
    expect(payloadHash(prepared.payload)).toBe(promptHash(prepared.payload));
  });
});
