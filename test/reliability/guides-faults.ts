/**
 * The reliability suite's guides share: many `backend: 'guides'` injections against the emulator
 * under the recoverable faults that reach an HTTP-only surface (429s, 5xx, tokens expiring
 * mid-run; there is no socket to drop and no frame to garble), some turns answering `IN_PROGRESS`
 * first, and — in the failing plan — turns the guide answers with `ERROR`. The report has the shape of
 * the conversation suite's, so one pass condition (`cleanRunProblems`) judges both; on top, every
 * audit entry must name the `guides` backend and the guide version that answered.
 */
import { readFileSync } from 'node:fs';
import { GUIDE_TRIGGERS } from '../../src/emulator/index.js';
import { GenesysPromptError } from '../../src/errors.js';
import { deployGuide } from '../../src/guides/deploy-guide.js';
import { guideDefinitionFromTemplate } from '../../src/guides/guide-definition.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { handleCounts, startKit } from '../injector-kit.js';
import { RECOVERABLE_PLAN, emptyFaultReport, type FaultPlan, type FaultSuiteReport } from './fault-suite.js';

/** The guide every injection talks to. */
export const GUIDE_TEMPLATE: PromptTemplate = {
  id: 'reliability-guide',
  systemInstruction: 'You are a compliance-aware refund assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  declarations: { productType: { description: 'What was bought' } },
  contextWindowLimit: 4096,
  maxOutputTokens: 256,
};

/** The recoverable faults that reach the Guides endpoints; every injection must end exact. */
export const GUIDES_RECOVERABLE_PLAN: FaultPlan = {
  ...RECOVERABLE_PLAN,
  name: 'guides recoverable',
  kinds: ['rate429', 'rate5xx', 'tokenRefreshes'],
};

/** The same, with every fourth turn answered `ERROR` by the guide: exactly that many `GuideTurnError`s. */
export const GUIDES_FAILING_PLAN: FaultPlan = {
  ...GUIDES_RECOVERABLE_PLAN,
  name: 'guides failing turns',
  failEvery: 4,
  expectedErrors: (n) => ({ GuideTurnError: Math.ceil(n / 4) }),
  expectedCodes: { GuideTurnError: ['guide.turn.error'] },
};

/** Options of one guides run. */
export interface GuidesFaultOptions {
  injections: number;
  concurrency: number;
  seed: number;
  plan: FaultPlan;
  /** Every `inProgressEvery`-th injection (1, 1+n, ...) is answered IN_PROGRESS for two polls first (default 5). */
  inProgressEvery?: number;
  /** Revoke every token once this many injections ended (default half of them): a 401 and a re-login mid-run. */
  expireTokensAfter?: number;
}

/** The counts of the shared suite, plus what only guides have. */
export interface GuidesFaultReport extends FaultSuiteReport {
  /** NoOp polls the injections made while their turns were IN_PROGRESS. */
  inProgressPolls: number;
  /** Audit entries that do not name the `guides` backend and version `1`. */
  auditEntriesWithoutGuideVersion: number;
}

/** Runs the guides share and returns its counts (asserts nothing). */
export async function runGuidesFaultSuite(options: GuidesFaultOptions): Promise<GuidesFaultReport> {
  const { plan } = options;
  const inProgressEvery = options.inProgressEvery ?? 5;
  const expireAt = options.expireTokensAfter ?? Math.floor(options.injections / 2);
  const baseline = handleCounts();
  let unhandledRejections = 0;
  const onUnhandled = (): void => {
    unhandledRejections++;
  };
  process.on('unhandledRejection', onUnhandled);
  const { emulator, injector, auditPath } = await startKit(
    { tokenLifetimeSeconds: plan.tokenLifetimeSeconds, guidePublishReads: 0 },
    { ...plan.injector, backend: 'guides', pollIntervalMs: 2 },
  );
  const report: GuidesFaultReport = {
    ...emptyFaultReport(plan, options.injections),
    inProgressPolls: 0,
    auditEntriesWithoutGuideVersion: 0,
  };
  const sessions = new Set<string>();
  let next = 0;
  let guideId = '';
  let loginsBeforeRun = 0;
  const worker = async (): Promise<void> => {
    while (next < options.injections) {
      const i = next++;
      const fails = plan.failEvery > 0 && i % plan.failEvery === 0;
      const slow = inProgressEvery > 0 && i % inProgressEvery === 1;
      const marker = `${fails ? GUIDE_TRIGGERS.error : ''}${slow ? '[[guide:in-progress:2]]' : ''}`;
      try {
        const result = await injector.injectPrompt(guideId, GUIDE_TEMPLATE, [], {
          variables: { productType: `product ${i} ${marker}`.trim() },
        });
        if (sessions.has(result.conversationId)) report.duplicateConversations++;
        sessions.add(result.conversationId);
        const polls = (result.details as { inProgressPolls?: number } | undefined)?.inProgressPolls ?? 0;
        report.inProgressPolls += polls;
        if (result.response === emulator.guideSession(guideId, result.conversationId)?.lastText)
          report.exact++;
        else report.wrongText++;
      } catch (error) {
        if (error instanceof GenesysPromptError) {
          report.typedErrors[error.name] = (report.typedErrors[error.name] ?? 0) + 1;
          const key = `${error.name}:${error.code}`;
          report.errorCodes[key] = (report.errorCodes[key] ?? 0) + 1;
        } else report.untypedErrors++;
      }
      report.ended++;
      if (report.ended === expireAt) emulator.expireTokens();
    }
  };
  const started = performance.now();
  try {
    const deployed = await deployGuide(injector.guides(), guideDefinitionFromTemplate(GUIDE_TEMPLATE), {
      pollIntervalMs: 1,
    });
    guideId = deployed.guideId ?? '';
    loginsBeforeRun = emulator.stats().tokensIssued;
    // Faults start once the guide is published, so every injection meets them.
    emulator.setFaults({ ...plan.faults, seed: options.seed });
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    report.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    await injector.close();
    const stats = emulator.stats();
    report.conversationsCreated = stats.guides.sessionsStarted;
    report.injected = {
      ...stats.injected,
      tokenRefreshes: Math.max(0, stats.tokensIssued - loginsBeforeRun),
    };
    await emulator.close();
  }
  const audit = await verifyAuditLog(auditPath, { expectedEntries: options.injections });
  report.auditOk = audit.ok;
  report.auditEntries = audit.entries;
  for (const line of readFileSync(auditPath, 'utf8').split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as { backend?: string; targetVersion?: string };
    if (entry.backend !== 'guides' || entry.targetVersion !== '1') report.auditEntriesWithoutGuideVersion++;
  }
  await new Promise((resolve) => setImmediate(resolve));
  for (const [kind, n] of handleCounts()) {
    if (n > (baseline.get(kind) ?? 0)) report.leftHandles.push(`${kind} x${n - (baseline.get(kind) ?? 0)}`);
  }
  process.removeListener('unhandledRejection', onUnhandled);
  report.unhandledRejections = unhandledRejections;
  return report;
}
