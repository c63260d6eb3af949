import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectCleanRun } from './fault-suite.js';
import { GUIDES_FAILING_PLAN, GUIDES_RECOVERABLE_PLAN, runGuidesFaultSuite } from './guides-faults.js';

// `npm run test:reliability`: the guides share of the suite, judged by the same pass condition. A
// passing run writes its counts to reports/reliability-guides.json (ignored by git).
describe('reliability suite, guides share (1,000 guide turns under the recoverable faults)', () => {
  it('every injection ends with the exact text; 429s, 5xx and token refreshes were all injected', async () => {
    const report = await runGuidesFaultSuite({
      injections: 1000,
      concurrency: 50,
      seed: 2026,
      plan: GUIDES_RECOVERABLE_PLAN,
    });
    expectCleanRun(report, GUIDES_RECOVERABLE_PLAN);
    expect(report.exact).toBe(1000);
    expect(report.inProgressPolls).toBe(2 * 200);
    expect(report.auditEntriesWithoutGuideVersion).toBe(0);
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/reliability-guides.json', `${JSON.stringify(report, null, 2)}\n`);
  });

  it('turns the guide answers with ERROR end as exactly that many GuideTurnErrors, the rest exact', async () => {
    const report = await runGuidesFaultSuite({
      injections: 400,
      concurrency: 40,
      seed: 7,
      plan: GUIDES_FAILING_PLAN,
    });
    expectCleanRun(report, GUIDES_FAILING_PLAN);
    expect(report.auditEntriesWithoutGuideVersion).toBe(0);
  });
});
