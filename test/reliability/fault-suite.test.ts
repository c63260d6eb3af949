import { describe, expect, it } from 'vitest';
import { expectCleanRun, runFaultSuite } from './fault-suite.js';

describe('reliability suite (2,000 injections under faults)', () => {
  it.each(['notifications', 'direct'] as const)(
    'every injection over %s ends exactly once, with the exact text or a typed error',
    async (transport) => {
      const report = await runFaultSuite({ injections: 2000, concurrency: 50, seed: 2026, transport });
      console.log(`fault suite (${transport}): ${JSON.stringify(report)}`);
      expectCleanRun(report, 2000);
      expect(report.injected.drops).toBeGreaterThan(0);
    },
  );
});
