import { beforeAll, describe, expect, it } from 'vitest';
import {
  NO_FAULTS_PLAN,
  RATE_LIMITED_PLAN,
  RECOVERABLE_PLAN,
  cleanRunProblems,
  expectCleanRun,
  runFaultSuite,
  type FaultSuiteReport,
} from './reliability/fault-suite.js';

// The pass condition of the reliability suite has teeth: runs that lost answers, corrupted them or
// injected no faults fail it, even where the old condition (exact + typed errors = injections) held.
describe('the reliability pass condition fails broken runs', () => {
  const n = 40;
  let control: FaultSuiteReport;

  beforeAll(async () => {
    control = await runFaultSuite({ injections: n, concurrency: 10, seed: 1, plan: NO_FAULTS_PLAN });
  }, 60_000);

  it('passes the control run (no faults, nothing sabotaged) under the no-faults plan', () => {
    expectCleanRun(control, NO_FAULTS_PLAN);
    expect(control.exact).toBe(n);
  });

  it('fails a run with the faults off when checked against the recoverable plan', () => {
    expect(() => expectCleanRun({ ...control, plan: RECOVERABLE_PLAN.name }, RECOVERABLE_PLAN)).toThrow();
    expect(cleanRunProblems({ ...control, plan: RECOVERABLE_PLAN.name }, RECOVERABLE_PLAN)).toEqual([
      'fault kind rate429 was never injected',
      'fault kind rate5xx was never injected',
      'fault kind drops was never injected',
      'fault kind malformedFrames was never injected',
      'fault kind tokenRefreshes was never injected',
    ]);
  });

  it('fails a run whose harness drops every other answer as a typed error', async () => {
    const report = await runFaultSuite({
      injections: n,
      concurrency: 10,
      seed: 1,
      plan: NO_FAULTS_PLAN,
      sabotage: 'drop-every-other-answer',
    });
    // What the old condition checked still holds: every injection "ended" as exact or typed error.
    expect(report.exact + (report.typedErrors.StreamError ?? 0)).toBe(n);
    expect(() => expectCleanRun(report, NO_FAULTS_PLAN)).toThrow();
    expect(cleanRunProblems(report, NO_FAULTS_PLAN)).toEqual([
      `${n / 2} exact answers, expected ${n}`,
      `${n / 2} x StreamError, expected 0`,
    ]);
  }, 60_000);

  it('fails a run whose harness corrupts every other answer', async () => {
    const report = await runFaultSuite({
      injections: n,
      concurrency: 10,
      seed: 1,
      plan: NO_FAULTS_PLAN,
      sabotage: 'corrupt-every-other-answer',
    });
    expect(cleanRunProblems(report, NO_FAULTS_PLAN)).toEqual([
      `${n / 2} exact answers, expected ${n}`,
      `${n / 2} answers with the wrong text`,
    ]);
  }, 60_000);

  it('fails a non-recoverable plan whose errors are not the predicted ones', () => {
    // The control run ended without the RateLimitErrors the plan predicts, and with answers it says fail.
    expect(cleanRunProblems({ ...control, plan: RATE_LIMITED_PLAN.name }, RATE_LIMITED_PLAN)).toEqual([
      `${n} exact answers, expected 0`,
      `0 x RateLimitError, expected ${n}`,
      'fault kind rate429 was never injected',
    ]);
    const wrongCode = {
      ...control,
      plan: RATE_LIMITED_PLAN.name,
      exact: 0,
      typedErrors: { RateLimitError: n },
      errorCodes: { 'RateLimitError:other.code': n },
      injected: { ...control.injected, rate429: n },
    };
    expect(cleanRunProblems(wrongCode, RATE_LIMITED_PLAN)).toEqual([
      'RateLimitError with the unexpected code other.code',
    ]);
  });

  it.each<[string, Partial<FaultSuiteReport>, string]>([
    ['an injection that never ended', { ended: n - 1 }, `${n - 1} of ${n} injections ended`],
    ['an untyped error', { untypedErrors: 1 }, '1 untyped errors'],
    ['a conversation returned twice', { duplicateConversations: 1 }, '1 conversations returned twice'],
    [
      'more conversations than injections',
      { conversationsCreated: n + 1 },
      `${n + 1} conversations for ${n}`,
    ],
    ['an audit log that does not verify', { auditOk: false }, 'the audit log did not verify'],
    ['a missing audit entry', { auditEntries: n - 1 }, `${n - 1} audit entries for ${n} injections`],
    ['an unhandled rejection', { unhandledRejections: 1 }, '1 unhandled rejections'],
    ['a handle left open', { leftHandles: ['TCPWRAP x1'] }, 'handles left open: TCPWRAP x1'],
  ])('fails a run with %s', (_what, change, problem) => {
    expect(cleanRunProblems({ ...control, ...change }, NO_FAULTS_PLAN)).toEqual([problem]);
  });
});
