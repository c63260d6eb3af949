import { describe, expect, it } from 'vitest';
import { runFaultSuite } from './reliability/fault-suite.js';

// The shortened run of the reliability suite (`npm run test:reliability` runs 2,000 per transport).
describe('reliability suite, short run', () => {
  it('200 injections under faults end with the exact text or a typed error, once each', async () => {
    const report = await runFaultSuite({ injections: 200, concurrency: 20, seed: 7 });
    expect(report.exact + Object.values(report.typedErrors).reduce((a, b) => a + b, 0)).toBe(200);
    expect(report).toMatchObject({
      wrongText: 0,
      untypedErrors: 0,
      duplicateConversations: 0,
      auditOk: true,
      auditEntries: 200,
      unhandledRejections: 0,
      leftHandles: [],
    });
    expect(report.conversationsCreated).toBeLessThanOrEqual(200);
  }, 120_000);
});
