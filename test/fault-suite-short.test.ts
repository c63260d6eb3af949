import { describe, it } from 'vitest';
import { expectCleanRun, runFaultSuite } from './reliability/fault-suite.js';

// The shortened run of the reliability suite (`npm run test:reliability` runs 2,000 per transport).
describe('reliability suite, short run', () => {
  it('200 injections under faults end with the exact text or a typed error, once each', async () => {
    const report = await runFaultSuite({ injections: 200, concurrency: 20, seed: 7 });
    expectCleanRun(report, 200);
  }, 120_000);
});
