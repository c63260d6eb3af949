/**
 * `backend: 'guides'` through the injector against the emulator: one turn per injection, the session
 * derived from the idempotency key, the text whole as one chunk, every result visible with its
 * follow-up, ERROR as a typed error, IN_PROGRESS polled within the deadline, typed variables checked
 * before sending, and the backend and guide version in every audit entry.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GUIDE_TRIGGERS } from '../../src/emulator/index.js';
import { TimeoutError, ValidationError } from '../../src/errors.js';
import { deployGuide } from '../../src/guides/deploy-guide.js';
import { guideDefinitionFromTemplate } from '../../src/guides/guide-definition.js';
import { GuideTurnError } from '../../src/guides/guide-errors.js';
import { guideTurnOf } from '../../src/guides/guide-result.js';
import { guideSessionIdFor } from '../../src/guides/guide-session-id.js';
import { sendGuideTurn } from '../../src/guides/guide-turn-client.js';
import { returnControlFor } from '../../src/guides/guide-turn-result.js';
import type { InjectOptions, InjectionResult, StreamItem } from '../../src/injector-options.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../../src/prompt/load-template.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { startKit, type Kit } from '../injector-kit.js';
import { closeAll, guidesApiFor } from './guides-test-kit.js';

const TEMPLATE_PATH = 'examples/guide-refunds.yaml';
const kits: Kit[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(kits.splice(0).map((kit) => kit.close()));
});

interface GuideKit extends Kit {
  guideId: string;
  template: PromptTemplate;
  inject(options?: InjectOptions, template?: PromptTemplate): Promise<InjectionResult>;
}

/** An injector whose default backend is `guides`, and the example template deployed on its emulator. */
async function guideKit(): Promise<GuideKit> {
  const kit = await startKit({ guidePublishReads: 0 }, { backend: 'guides', pollIntervalMs: 2 });
  kits.push(kit);
  const template = await loadTemplate(TEMPLATE_PATH);
  const examplesPath = resolveFewShotPath(TEMPLATE_PATH, template);
  const examples = examplesPath === undefined ? [] : await loadFewShotExamples(examplesPath);
  const deployed = await deployGuide(
    guidesApiFor(kit.emulator),
    guideDefinitionFromTemplate(template, examples),
    { pollIntervalMs: 1 },
  );
  const guideId = deployed.guideId ?? '';
  return {
    ...kit,
    guideId,
    template,
    inject: (options = {}, t = template) =>
      kit.injector.injectPrompt(guideId, t, [], { variables: { productType: 'annual plan' }, ...options }),
  };
}

function auditEntries(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("backend: 'guides'", () => {
  it('sends the rendered user message and the typed variables as one turn, and resolves with the whole answer', async () => {
    const kit = await guideKit();
    const result = await kit.inject({
      idempotencyKey: 'key-1',
      variables: { productType: 'annual plan', orderTotal: '120' },
    });
    const direct = await sendGuideTurn(guidesApiFor(kit.emulator), kit.guideId, 'direct', {
      inputEvent: {
        type: 'UserInput',
        mode: 'Text',
        text: 'I bought a annual plan for 120 and I would like a refund.',
      },
      languageCode: 'en-us',
      version: '1',
      inputVariables: [
        { name: 'productType', value: 'annual plan' },
        { name: 'orderTotal', value: '120' },
      ],
    });
    expect(result.response).toBe(direct.response.response?.text);
    expect(result.conversationId).toBe(guideSessionIdFor('key-1'));
    expect(result.finishReason).toBe('stop');
    expect(result.usage.completionTokens).toBeGreaterThan(10);
    expect(guideTurnOf(result)).toEqual({
      guideId: kit.guideId,
      guideSessionId: guideSessionIdFor('key-1'),
      version: '1',
      languageCode: 'en-us',
      status: 'COMPLETED',
      result: 'SUCCESSFUL_COLLECTION',
      outputVariables: [],
      invocationId: undefined,
      invocations: [],
      inProgressPolls: 0,
    });
  });

  it('continues the same session when the same idempotency key is sent again', async () => {
    const kit = await guideKit();
    const first = await kit.inject({ idempotencyKey: 'resume-me' });
    const again = await kit.inject({ idempotencyKey: 'resume-me' });
    expect(again.conversationId).toBe(first.conversationId);
    expect(kit.emulator.stats().guides.sessionsStarted).toBe(1);
    expect(kit.emulator.guideSession(kit.guideId, first.conversationId)?.turns).toBe(2);
  });

  it('streamPrompt yields the text as one chunk, then the result', async () => {
    const kit = await guideKit();
    const items: StreamItem[] = [];
    for await (const item of kit.injector.streamPrompt(kit.guideId, kit.template, [], {
      variables: { productType: 'hardware' },
    })) {
      items.push(item);
    }
    expect(items.map((i) => i.type)).toEqual(['chunk', 'result']);
    const [chunk, last] = items;
    if (chunk?.type !== 'chunk' || last?.type !== 'result') throw new Error('unexpected items');
    expect(chunk.content).toBe(last.result.response);
    expect(chunk.conversationId).toBe(last.result.conversationId);
  });

  it('shows ESCALATION_TRIGGERED and NO_MATCH as results the caller acts on', async () => {
    const kit = await guideKit();
    const escalate = { ...kit.template, userTemplate: `Get me a person ${GUIDE_TRIGGERS.escalate}` };
    expect(guideTurnOf(await kit.inject({}, escalate))?.result).toBe('ESCALATION_TRIGGERED');
    const noMatch = { ...kit.template, userTemplate: `asdf ${GUIDE_TRIGGERS.noMatch}` };
    expect(guideTurnOf(await kit.inject({}, noMatch))?.result).toBe('NO_MATCH');
  });

  it('answers CLIENT_ACTION_REQUIRED with a ReturnControl follow-up in the same session', async () => {
    const kit = await guideKit();
    const ask = {
      ...kit.template,
      userTemplate: `Where is my {{productType}}? ${GUIDE_TRIGGERS.clientAction}`,
    };
    const asked = guideTurnOf(await kit.inject({}, ask));
    expect(asked?.result).toBe('CLIENT_ACTION_REQUIRED');
    expect(asked?.invocations[0]?.actionName).toBe('lookupRecord');
    const followUp = await kit.inject({
      guide: returnControlFor(asked!, { lookupRecord: '{"status":"shipped"}' }),
    });
    const done = guideTurnOf(followUp);
    expect(done).toMatchObject({ result: 'SUCCESSFUL_COLLECTION', guideSessionId: asked?.guideSessionId });
    expect(kit.emulator.guideSession(kit.guideId, asked!.guideSessionId)?.turns).toBe(2);
  });

  it('continues a confirmation with the previous result (multi-turn)', async () => {
    const kit = await guideKit();
    const ask = { ...kit.template, userTemplate: `Cancel my {{productType}} ${GUIDE_TRIGGERS.confirm}` };
    const asked = guideTurnOf(await kit.inject({}, ask));
    expect(asked?.result).toBe('CONFIRMATION_REQUIRED');
    const yes = { ...kit.template, userTemplate: 'Yes, that is right.' };
    const confirmed = guideTurnOf(await kit.inject({ guide: { previous: asked! } }, yes));
    expect(confirmed).toMatchObject({
      result: 'SUCCESSFUL_COLLECTION',
      guideSessionId: asked?.guideSessionId,
    });
  });

  it('waits out IN_PROGRESS with NoOp polls and reports how many it took', async () => {
    const kit = await guideKit();
    const slow = { ...kit.template, userTemplate: 'Refund my {{productType}} [[guide:in-progress:3]]' };
    const result = await kit.inject({}, slow);
    expect(guideTurnOf(result)?.inProgressPolls).toBe(3);
    expect(result.response.length).toBeGreaterThan(20);
  });

  it('times out at the deadline while the guide stays IN_PROGRESS, and audits the failure', async () => {
    const kit = await guideKit();
    // A first injection logs in and learns the guide's version, so only the turn's first request has
    // to fit in the deadline. The guide then answers IN_PROGRESS 100 times, and the kit polls with
    // base 2 ms, cap 16 ms and equal jitter: at least 1 + 2 + 4 + 97 × 8 = 783 ms of waits, so a
    // 600 ms deadline falls while the guide is still IN_PROGRESS, however slow the machine.
    await kit.inject();
    const stuck = { ...kit.template, userTemplate: 'Refund my {{productType}} [[guide:in-progress:100]]' };
    await expect(kit.inject({ deadlineMs: 600 }, stuck)).rejects.toBeInstanceOf(TimeoutError);
    const last = auditEntries(kit.auditPath).at(-1);
    expect(last).toMatchObject({
      complianceStatus: 'FAILED',
      errorCode: 'timeout',
      backend: 'guides',
      targetVersion: '1',
    });
  });

  it('turns ERROR into a GuideTurnError and audits it with the backend and guide version', async () => {
    const kit = await guideKit();
    const boom = { ...kit.template, userTemplate: `boom ${GUIDE_TRIGGERS.error}` };
    await expect(kit.inject({}, boom)).rejects.toBeInstanceOf(GuideTurnError);
    await kit.inject();
    const entries = auditEntries(kit.auditPath);
    expect(entries.map((e) => [e.complianceStatus, e.errorCode, e.backend, e.targetVersion])).toEqual([
      ['FAILED', 'guide.turn.error', 'guides', '1'],
      ['AUDITED', undefined, 'guides', '1'],
    ]);
  });

  it('checks typed variables before sending anything', async () => {
    const kit = await guideKit();
    const before = kit.emulator.stats().guides.turns;
    const error = await kit
      .inject({ variables: { productType: 'x', orderTotal: 'lots' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('variables.orderTotal');
    expect(kit.emulator.stats().guides.turns).toBe(before);
  });

  it('refuses a guide with no published version, naming guide.version', async () => {
    const kit = await guideKit();
    const api = guidesApiFor(kit.emulator);
    const draftOnly = await api.createGuide({ name: 'Unpublished', source: 'Manual' });
    await api.createGuideVersion(draftOnly.id, { instruction: 'x' });
    const error = await kit.injector
      .injectPrompt(draftOnly.id, kit.template, [], { variables: { productType: 'x' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('guide.version');
  });

  it('logs in again after the token expires and cuts the answer at the response budget', async () => {
    const kit = await guideKit();
    await kit.inject();
    kit.emulator.expireTokens();
    const cut = await kit.inject({ maxResponseTokens: 8 });
    expect(cut).toMatchObject({ truncated: true, finishReason: 'budget' });
    expect(cut.usage.completionTokens).toBeLessThanOrEqual(8);
    expect(cut.retries).toBeGreaterThanOrEqual(1);
  });
});
