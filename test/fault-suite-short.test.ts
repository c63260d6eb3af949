import { describe, expect, it } from 'vitest';
import {
  FAILING_ANSWERS_PLAN,
  RATE_LIMITED_PLAN,
  RECOVERABLE_PLAN,
  expectCleanRun,
  runFaultSuite,
} from './reliability/fault-suite.js';

// The shortened runs of the reliability suite (`npm run test:reliability` runs 2,000 per transport).
describe('reliability suite, short runs', () => {
  it('recoverable plan: 200 injections all end with the exact text; every fault kind was injected', async () => {
    const report = await runFaultSuite({ injections: 200, concurrency: 20, seed: 7, plan: RECOVERABLE_PLAN });
    expectCleanRun(report, RECOVERABLE_PLAN);
    expect(report.exact).toBe(200);
  }, 120_000);

  it.each(['notifications', 'direct'] as const)(
    'answers the server fails end in exactly that many StreamErrors over %s; the rest exact',
    async (transport) => {
      const report = await runFaultSuite({
        injections: 40,
        concurrency: 10,
        // Seed 2 puts a 5xx among the first 40 API requests and 3 drops among the first 40 answers,
        // so every fault kind of the plan is injected whatever the order requests arrive in.
        seed: 2,
        plan: FAILING_ANSWERS_PLAN,
        transport,
      });
      expectCleanRun(report, FAILING_ANSWERS_PLAN);
      expect(report.typedErrors).toEqual({ StreamError: 10 });
      expect(report.exact).toBe(30);
    },
    60_000,
  );

  it('429s beyond the retries end every injection in RateLimitError, and nothing else', async () => {
    const report = await runFaultSuite({ injections: 20, concurrency: 5, seed: 3, plan: RATE_LIMITED_PLAN });
    expectCleanRun(report, RATE_LIMITED_PLAN);
    expect(report.errorCodes).toEqual({ 'RateLimitError:too.many.requests.retry.after': 20 });
    expect(report.conversationsCreated).toBe(0);
  }, 60_000);
});
