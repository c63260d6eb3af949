/**
 * The reliability suite: many injections against the emulator under a fault plan (429s, 5xx, socket
 * drops, short-lived tokens, malformed frames). Its pass condition (`cleanRunProblems`) checks what
 * the README claims: under a recoverable plan every injection ends with the exact server text; every
 * fault kind the plan configures was injected; a non-recoverable plan ends with exactly the typed
 * errors it predicts; no conversation is created twice; the audit log verifies with exactly one
 * entry per injection; no unhandled rejection; no handle left open.
 */
import { expect } from 'vitest';
import { SEED_ASSISTANT_ID } from '../../src/contract/conversation.js';
import type { EmulatorFaults } from '../../src/emulator/emulator-options.js';
import type { InjectedCounts } from '../../src/emulator/fault-injector.js';
import { FAILURE_TRIGGER } from '../../src/emulator/index.js';
import { GenesysPromptError, StreamError } from '../../src/errors.js';
import type { InjectorOptions, StreamTransport } from '../../src/injector-options.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { TEMPLATE, handleCounts, startKit } from '../injector-kit.js';

/** A kind of fault the emulator counts, or `tokenRefreshes` (logins beyond the first). */
export type FaultKind = keyof InjectedCounts | 'tokenRefreshes';

/** What a run injects and what it must end with. */
export interface FaultPlan {
  /** Names the plan in messages. */
  name: string;
  /** The emulator's faults. */
  faults: EmulatorFaults;
  /** Lifetime of the emulator's tokens, in seconds (short ones force refreshes mid-run). */
  tokenLifetimeSeconds: number;
  /** Injector options the plan needs (retries). */
  injector: InjectorOptions;
  /** Kinds the plan configures: each must have been injected at least once. */
  kinds: FaultKind[];
  /** Every `failEvery`-th injection (0, n, 2n, ...) asks the emulator to fail its answer; 0: none. */
  failEvery: number;
  /**
   * The typed errors the run must end with, by class name, as a function of the number of
   * injections; `{}` means every injection must return the exact text.
   */
  expectedErrors(injections: number): Record<string, number>;
  /** The codes each expected error class may carry (any other code is a problem). */
  expectedCodes: Record<string, string[]>;
}

/**
 * The default plan, every fault of it recoverable: 10 % 429s, 2 % 5xx, 5 % of answers dropped
 * mid-stream, 1 % malformed frames, tokens living 3 s. Every injection must end exact.
 */
export const RECOVERABLE_PLAN: FaultPlan = {
  name: 'recoverable',
  faults: { rate429: 0.1, retryAfterSeconds: 1, rate5xx: 0.02, dropRate: 0.05, malformedFrameRate: 0.01 },
  tokenLifetimeSeconds: 3,
  injector: { maxRetries: 8 },
  kinds: ['rate429', 'rate5xx', 'drops', 'malformedFrames', 'tokenRefreshes'],
  failEvery: 0,
  expectedErrors: () => ({}),
  expectedCodes: {},
};

/**
 * The default plan plus answers the server fails for good: every fourth injection asks the emulator
 * to fail its answer midway, which must end in exactly that many `StreamError`s — with the event's
 * code `generation.failed`, or `conversation.failed` when the client learnt it by reading the
 * conversation (its socket was dropped, or the event came before the subscription) — and every other
 * injection exact.
 */
export const FAILING_ANSWERS_PLAN: FaultPlan = {
  ...RECOVERABLE_PLAN,
  name: 'failing answers',
  failEvery: 4,
  expectedErrors: (n) => ({ StreamError: Math.ceil(n / 4) }),
  expectedCodes: { StreamError: ['generation.failed', 'conversation.failed'] },
};

/** Every API request answered 429 with `Retry-After: 0`, one retry allowed: every injection fails. */
export const RATE_LIMITED_PLAN: FaultPlan = {
  name: 'rate limited beyond the retries',
  faults: { rate429: 1, retryAfterSeconds: 0 },
  tokenLifetimeSeconds: 3600,
  injector: { maxRetries: 1 },
  kinds: ['rate429'],
  failEvery: 0,
  expectedErrors: (n) => ({ RateLimitError: n }),
  expectedCodes: { RateLimitError: ['too.many.requests.retry.after'] },
};

/** No faults at all (the control run the teeth tests compare against). */
export const NO_FAULTS_PLAN: FaultPlan = {
  name: 'no faults',
  faults: {},
  tokenLifetimeSeconds: 3600,
  injector: { maxRetries: 8 },
  kinds: [],
  failEvery: 0,
  expectedErrors: () => ({}),
  expectedCodes: {},
};

/** How the teeth tests break a run on purpose: the harness, not the injector, misreports answers. */
export type Sabotage = 'none' | 'drop-every-other-answer' | 'corrupt-every-other-answer';

/** Options of one run. */
export interface FaultSuiteOptions {
  injections: number;
  concurrency: number;
  seed: number;
  plan: FaultPlan;
  transport?: StreamTransport;
  /** For the teeth tests only (default none). */
  sabotage?: Sabotage;
}

/** What one run counted. */
export interface FaultSuiteReport {
  plan: string;
  injections: number;
  /** Injections that ended (exact, wrong text or an error): must equal `injections`. */
  ended: number;
  exact: number;
  wrongText: number;
  /** Typed errors by class name. */
  typedErrors: Record<string, number>;
  /** Typed errors keyed `ErrorClass:code`. */
  errorCodes: Record<string, number>;
  untypedErrors: number;
  conversationsCreated: number;
  duplicateConversations: number;
  auditOk: boolean;
  auditEntries: number;
  unhandledRejections: number;
  leftHandles: string[];
  /** The emulator's counters, plus `tokenRefreshes`. */
  injected: Record<FaultKind, number>;
  reconnects: number;
  /** Seconds the injections took (setup and checks excluded). */
  seconds: number;
}

/** A report with every counter at zero, for a run of `injections` under `plan`. */
export function emptyFaultReport(plan: FaultPlan, injections: number): FaultSuiteReport {
  return {
    plan: plan.name,
    injections,
    ended: 0,
    exact: 0,
    wrongText: 0,
    typedErrors: {},
    errorCodes: {},
    untypedErrors: 0,
    conversationsCreated: 0,
    duplicateConversations: 0,
    auditOk: false,
    auditEntries: 0,
    unhandledRejections: 0,
    leftHandles: [],
    injected: {
      rate429: 0,
      rate5xx: 0,
      drops: 0,
      malformedFrames: 0,
      socketClosing: 0,
      latency: 0,
      tokenRefreshes: 0,
    },
    reconnects: 0,
    seconds: 0,
  };
}

/** Runs the suite and returns its counts (asserts nothing: `expectCleanRun` does). */
export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteReport> {
  const { plan } = options;
  const sabotage = options.sabotage ?? 'none';
  const baseline = handleCounts();
  let unhandledRejections = 0;
  const onUnhandled = (): void => {
    unhandledRejections++;
  };
  process.on('unhandledRejection', onUnhandled);
  const { emulator, injector, auditPath } = await startKit(
    {
      chunkIntervalMs: 2,
      tokenLifetimeSeconds: plan.tokenLifetimeSeconds,
      faults: { ...plan.faults, seed: options.seed },
    },
    {
      ...plan.injector,
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    },
  );
  const report = emptyFaultReport(plan, options.injections);
  const conversations = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.injections) {
      const i = next++;
      const fails = plan.failEvery > 0 && i % plan.failEvery === 0;
      try {
        const result = await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
          variables: { productType: fails ? `product ${i} ${FAILURE_TRIGGER}` : `product ${i}` },
        });
        if (conversations.has(result.conversationId)) report.duplicateConversations++;
        conversations.add(result.conversationId);
        const sabotaged = i % 2 === 1 ? sabotage : 'none';
        if (sabotaged === 'drop-every-other-answer') {
          throw new StreamError('answer dropped by the sabotaged harness', { code: 'sabotaged' });
        }
        const response =
          sabotaged === 'corrupt-every-other-answer' ? `${result.response.slice(0, -1)}?` : result.response;
        if (response === emulator.conversation(result.conversationId)?.text) report.exact++;
        else report.wrongText++;
      } catch (error) {
        if (error instanceof GenesysPromptError) {
          const key = `${error.name}:${error.code}`;
          report.typedErrors[error.name] = (report.typedErrors[error.name] ?? 0) + 1;
          report.errorCodes[key] = (report.errorCodes[key] ?? 0) + 1;
        } else report.untypedErrors++;
      }
      report.ended++;
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    report.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    report.reconnects = injector.streamStats().reconnects;
    await injector.close();
    const stats = emulator.stats();
    report.conversationsCreated = stats.conversationsCreated;
    report.injected = { ...stats.injected, tokenRefreshes: Math.max(0, stats.tokensIssued - 1) };
    await emulator.close();
  }
  const audit = await verifyAuditLog(auditPath, { expectedEntries: options.injections });
  report.auditOk = audit.ok;
  report.auditEntries = audit.entries;
  await new Promise((resolve) => setImmediate(resolve));
  for (const [kind, n] of handleCounts()) {
    if (n > (baseline.get(kind) ?? 0)) report.leftHandles.push(`${kind} x${n - (baseline.get(kind) ?? 0)}`);
  }
  process.removeListener('unhandledRejection', onUnhandled);
  report.unhandledRejections = unhandledRejections;
  return report;
}

/**
 * Every way `report` breaks the pass condition of `plan` (empty when the run is clean):
 * each injection ended once; exact answers = injections - expected errors; the typed errors are
 * exactly the expected ones, by class and count, with expected codes; every configured fault kind was injected at least once; no wrong text,
 * untyped error or duplicate conversation; at most one conversation per injection; the audit log
 * verified with one entry each; no unhandled rejection; no handle left open.
 */
export function cleanRunProblems(report: FaultSuiteReport, plan: FaultPlan): string[] {
  const problems: string[] = [];
  const n = report.injections;
  const expectedErrors = plan.expectedErrors(n);
  const expectedErrorCount = Object.values(expectedErrors).reduce((a, b) => a + b, 0);
  if (report.plan !== plan.name) problems.push(`report of plan "${report.plan}", checked as "${plan.name}"`);
  if (report.ended !== n) problems.push(`${report.ended} of ${n} injections ended`);
  if (report.exact !== n - expectedErrorCount) {
    problems.push(`${report.exact} exact answers, expected ${n - expectedErrorCount}`);
  }
  const errorKeys = new Set([...Object.keys(expectedErrors), ...Object.keys(report.typedErrors)]);
  for (const key of [...errorKeys].sort()) {
    const seen = report.typedErrors[key] ?? 0;
    const expected = expectedErrors[key] ?? 0;
    if (seen !== expected) problems.push(`${seen} x ${key}, expected ${expected}`);
  }
  for (const key of Object.keys(report.errorCodes).sort()) {
    const [name = '', code = ''] = key.split(':');
    if (name in expectedErrors && !(plan.expectedCodes[name] ?? []).includes(code)) {
      problems.push(`${name} with the unexpected code ${code}`);
    }
  }
  for (const kind of plan.kinds) {
    if (!(report.injected[kind] > 0)) problems.push(`fault kind ${kind} was never injected`);
  }
  if (report.wrongText > 0) problems.push(`${report.wrongText} answers with the wrong text`);
  if (report.untypedErrors > 0) problems.push(`${report.untypedErrors} untyped errors`);
  if (report.duplicateConversations > 0) {
    problems.push(`${report.duplicateConversations} conversations returned twice`);
  }
  if (report.conversationsCreated > n) problems.push(`${report.conversationsCreated} conversations for ${n}`);
  if (!report.auditOk) problems.push('the audit log did not verify');
  if (report.auditEntries !== n) problems.push(`${report.auditEntries} audit entries for ${n} injections`);
  if (report.unhandledRejections > 0) problems.push(`${report.unhandledRejections} unhandled rejections`);
  if (report.leftHandles.length > 0) problems.push(`handles left open: ${report.leftHandles.join(', ')}`);
  return problems;
}

/** Asserts the pass condition of `plan` (see `cleanRunProblems`); the message lists every problem. */
export function expectCleanRun(report: FaultSuiteReport, plan: FaultPlan): void {
  expect(cleanRunProblems(report, plan), `fault suite run: ${JSON.stringify(report)}`).toEqual([]);
}
