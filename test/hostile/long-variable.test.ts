import { afterEach, describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import type { InjectionResult } from '../../src/injector-options.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { closeAll, hostileKit } from './hostile-kit.js';

afterEach(closeAll);

const WIDE: PromptTemplate = {
  systemInstruction: 'You answer briefly.',
  userTemplate: 'Summarise: {{blob}}',
  variables: {},
  contextWindowLimit: 2_000_000,
  maxOutputTokens: 256,
};

const SIZE = 300_000;
const BLOBS: Record<string, string> = {
  'one repeated character': 'a'.repeat(SIZE),
  base64: Buffer.from(Array.from({ length: (SIZE * 3) / 4 }, (_, i) => (i * 2_654_435_761) >>> 24))
    .toString('base64')
    .slice(0, SIZE),
  'a long URL': `https://example.com/${'path-segment_'.repeat(SIZE / 13)}`.slice(0, SIZE),
};

describe('hostile input: a long variable without whitespace', () => {
  it.each(Object.keys(BLOBS))(
    '%s of 300,000 characters is counted and sent well within the deadline',
    async (name) => {
      // Tokenising happens before anything is sent and blocks the event loop: if it were quadratic
      // (60 s and more at this size), the injection would end in its deadline's TimeoutError.
      const kit = await hostileKit({}, { deadlineMs: 30_000 });
      const result = await kit.injector
        .injectPrompt(SEED_ASSISTANT_ID, WIDE, [], { variables: { blob: BLOBS[name] ?? '' } })
        .catch((error: unknown) => error as Error);
      expect(result).not.toBeInstanceOf(Error);
      expect((result as InjectionResult).promptTokens).toBeGreaterThan(1000);
    },
  );
});
