import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY_WINDOW_MS, SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import { EmulatorCore } from '../../src/emulator/emulator-core.js';
import { resolveEmulatorOptions } from '../../src/emulator/emulator-options.js';

describe('emulator conversation retention', () => {
  it('keeps a finished conversation as long as an idempotency key points at it', async () => {
    const core = new EmulatorCore(resolveEmulatorOptions({ retainCompletedMs: 1_000 }));
    try {
      const request = {
        assistantId: SEED_ASSISTANT_ID,
        messages: [{ role: 'user' as const, content: 'hello' }],
        settings: { maxTokens: 64, temperature: 0.2, safetyPolicy: 'strict' as const },
      };
      const keyed = core.engine.create(request, 'client', () => 0);
      const unkeyed = core.engine.create(request, 'client', () => 0);
      const start = 10_000;
      core.idempotency.remember('client', 'key-1', core.engine.createdBody(keyed), start);
      keyed.finishedAt = start;
      unkeyed.finishedAt = start;

      // Past the retention of finished conversations, but the key is still alive.
      core.sweep(start + 60_000);
      expect(core.engine.get(unkeyed.id)).toBeUndefined();
      expect(core.engine.get(keyed.id)).toBe(keyed);
      expect(core.idempotency.get('client', 'key-1', start + 60_000)?.id).toBe(keyed.id);

      // Once the key has expired too, the conversation goes with it.
      core.sweep(start + IDEMPOTENCY_WINDOW_MS + 1);
      expect(core.engine.get(keyed.id)).toBeUndefined();
    } finally {
      await core.close();
    }
  });
});
