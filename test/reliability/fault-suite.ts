/**
 * The reliability suite of issue 6: many injections against the emulator with 429s, 5xx, socket drops,
 * short-lived tokens and malformed frames. Every injection must end with the exact server text or a
 * definite typed error; no conversation is created twice; the audit log verifies with exactly one
 * entry per outcome; no unhandled rejection; no handle left open.
 */
import { expect } from 'vitest';
import { SEED_ASSISTANT_ID } from '../../src/contract/conversation.js';
import { GenesysPromptError } from '../../src/errors.js';
import type { StreamTransport } from '../../src/injector-options.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { TEMPLATE, handleCounts, startKit } from '../injector-kit.js';

/** Options of one run. */
export interface FaultSuiteOptions {
  injections: number;
  concurrency: number;
  seed: number;
  transport?: StreamTransport;
}

/** What one run counted. */
export interface FaultSuiteReport {
  injections: number;
  exact: number;
  wrongText: number;
  typedErrors: Record<string, number>;
  untypedErrors: number;
  conversationsCreated: number;
  duplicateConversations: number;
  auditOk: boolean;
  auditEntries: number;
  unhandledRejections: number;
  leftHandles: string[];
  injected: Record<string, number>;
  reconnects: number;
  seconds: number;
}

/** Runs the suite and returns its counts. */
export async function runFaultSuite(options: FaultSuiteOptions): Promise<FaultSuiteReport> {
  const started = performance.now();
  const baseline = handleCounts();
  let unhandledRejections = 0;
  const onUnhandled = (): void => {
    unhandledRejections++;
  };
  process.on('unhandledRejection', onUnhandled);
  const { emulator, injector, auditPath } = await startKit(
    {
      chunkIntervalMs: 2,
      tokenLifetimeSeconds: 3,
      faults: {
        seed: options.seed,
        rate429: 0.1,
        retryAfterSeconds: 1,
        rate5xx: 0.02,
        dropRate: 0.05,
        malformedFrameRate: 0.01,
      },
    },
    { maxRetries: 8, ...(options.transport === undefined ? {} : { transport: options.transport }) },
  );
  const report: FaultSuiteReport = {
    injections: options.injections,
    exact: 0,
    wrongText: 0,
    typedErrors: {},
    untypedErrors: 0,
    conversationsCreated: 0,
    duplicateConversations: 0,
    auditOk: false,
    auditEntries: 0,
    unhandledRejections: 0,
    leftHandles: [],
    injected: {},
    reconnects: 0,
    seconds: 0,
  };
  const conversations = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.injections) {
      const i = next++;
      try {
        const result = await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
          variables: { productType: `product ${i}` },
        });
        if (conversations.has(result.conversationId)) report.duplicateConversations++;
        conversations.add(result.conversationId);
        if (result.response === emulator.conversation(result.conversationId)?.text) report.exact++;
        else report.wrongText++;
      } catch (error) {
        if (error instanceof GenesysPromptError) {
          report.typedErrors[error.name] = (report.typedErrors[error.name] ?? 0) + 1;
        } else report.untypedErrors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    report.reconnects = injector.streamStats().reconnects;
    await injector.close();
    const stats = emulator.stats();
    report.conversationsCreated = stats.conversationsCreated;
    report.injected = { ...stats.injected };
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
  report.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  return report;
}

/**
 * The suite's pass condition: every one of `injections` ended exactly once, with the exact text or a
 * typed error; no duplicate conversation; the audit log verified with one entry each; nothing leaked.
 */
export function expectCleanRun(report: FaultSuiteReport, injections: number): void {
  expect(report.exact + Object.values(report.typedErrors).reduce((a, b) => a + b, 0)).toBe(injections);
  expect(report).toMatchObject({
    wrongText: 0,
    untypedErrors: 0,
    duplicateConversations: 0,
    auditOk: true,
    auditEntries: injections,
    unhandledRejections: 0,
    leftHandles: [],
  });
  expect(report.conversationsCreated).toBeLessThanOrEqual(injections);
}
