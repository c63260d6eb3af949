import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECOVERABLE_PLAN, expectCleanRun, runFaultSuite } from './fault-suite.js';

// `npm run test:reliability`: the figures the README quotes are what these assertions check. A run
// that passes writes its counts to reports/reliability-<transport>.json (ignored by git).
describe('reliability suite (2,000 injections under the recoverable fault plan)', () => {
  it.each(['notifications', 'direct'] as const)(
    'every injection over %s ends with the exact text; every fault kind was injected',
    async (transport) => {
      const report = await runFaultSuite({
        injections: 2000,
        concurrency: 50,
        seed: 2026,
        plan: RECOVERABLE_PLAN,
        transport,
      });
      expectCleanRun(report, RECOVERABLE_PLAN);
      expect(report.exact).toBe(2000);
      expect(report.typedErrors).toEqual({});
      mkdirSync('reports', { recursive: true });
      writeFileSync(`reports/reliability-${transport}.json`, `${JSON.stringify(report, null, 2)}\n`);
    },
  );
});
