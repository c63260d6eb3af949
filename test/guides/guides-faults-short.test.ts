/**
 * A short run of the reliability suite's guides share (the full one is `npm run test:reliability`):
 * the same pass condition, so a regression in retries, re-login, IN_PROGRESS polling or auditing of
 * the guides backend fails the ordinary test run too.
 */
import { describe, expect, it } from 'vitest';
import { cleanRunProblems, expectCleanRun } from '../reliability/fault-suite.js';
import {
  GUIDES_FAILING_PLAN,
  GUIDES_RECOVERABLE_PLAN,
  runGuidesFaultSuite,
} from '../reliability/guides-faults.js';

const SHORT = {
  ...GUIDES_RECOVERABLE_PLAN,
  tokenLifetimeSeconds: 1,
  faults: { ...GUIDES_RECOVERABLE_PLAN.faults, retryAfterSeconds: 0 },
};

describe('guides share of the fault suite (short)', () => {
  it('120 guide turns under 429s, 5xx and a revoked token all end exact, audited with the guide version', async () => {
    const report = await runGuidesFaultSuite({ injections: 120, concurrency: 12, seed: 11, plan: SHORT });
    // Tokens live 1 s: a run shorter than that cannot refresh one, which is not the code's fault.
    const plan =
      report.seconds >= 1.2 ? SHORT : { ...SHORT, kinds: SHORT.kinds.filter((k) => k !== 'tokenRefreshes') };
    expectCleanRun(report, plan);
    expect(report.inProgressPolls).toBe(2 * 24);
    expect(report.auditEntriesWithoutGuideVersion).toBe(0);
  });

  it('the pass condition has teeth: ERROR turns checked against the recoverable plan fail it', async () => {
    const failing = {
      ...GUIDES_FAILING_PLAN,
      tokenLifetimeSeconds: 3600,
      kinds: [] as typeof SHORT.kinds,
      faults: {},
    };
    const report = await runGuidesFaultSuite({
      injections: 16,
      concurrency: 4,
      seed: 3,
      plan: failing,
      expireTokensAfter: 0,
    });
    expectCleanRun(report, failing);
    const asIfRecoverable = { ...failing, expectedErrors: () => ({}), expectedCodes: {} };
    expect(cleanRunProblems(report, asIfRecoverable)).toEqual([
      '12 exact answers, expected 16',
      '4 x GuideTurnError, expected 0',
    ]);
  });
});
