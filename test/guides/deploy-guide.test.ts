/**
 * Prompts deployed as code against the emulator, over the real REST pipeline: find or create the
 * guide, write a version only when the content hash differs (patching a Draft in place), publish and
 * poll the job, dry runs that write nothing, and the job's reason when publishing fails.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GUIDE_TRIGGERS } from '../../src/emulator/index.js';
import { PermissionDeniedError, ValidationError } from '../../src/errors.js';
import { deployGuide, type GuideDeployProgress } from '../../src/guides/deploy-guide.js';
import { guideDefinitionFromTemplate, type GuideDefinition } from '../../src/guides/guide-definition.js';
import { GuidePublishError } from '../../src/guides/guide-errors.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../../src/prompt/load-template.js';
import { closeAll, emulatorFor, guidesApiFor, newRequests, routeCounts } from './guides-test-kit.js';

afterEach(closeAll);

const TEMPLATE = 'examples/guide-refunds.yaml';
const fast = { pollIntervalMs: 1 };

async function definition(change: (text: string) => string = (t) => t): Promise<GuideDefinition> {
  const template = await loadTemplate(TEMPLATE);
  const examplesPath = resolveFewShotPath(TEMPLATE, template);
  const examples = examplesPath === undefined ? [] : await loadFewShotExamples(examplesPath);
  return guideDefinitionFromTemplate(
    { ...template, systemInstruction: change(template.systemInstruction) },
    examples,
  );
}

const WRITES = [
  'POST /api/v2/guides',
  'POST /api/v2/guides/{guideId}/versions',
  'PATCH /api/v2/guides/{guideId}/versions/{versionId}',
];

describe('deployGuide', () => {
  it('creates the guide and version 1, publishes it, and reports each step', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 2 });
    const api = guidesApiFor(emulator);
    const steps: GuideDeployProgress[] = [];
    const result = await deployGuide(api, await definition(), { ...fast, onProgress: (p) => steps.push(p) });
    expect(result).toMatchObject({
      name: 'Refund assistant',
      version: '1',
      action: 'created',
      guideCreated: true,
    });
    expect(result.changes.map((c) => c.field)).toEqual([
      'instruction',
      'variables.productType',
      'variables.orderTotal',
    ]);
    expect(steps.map((s) => s.step)).toEqual([
      'lookup',
      'compared',
      'guide-created',
      'version-written',
      'publishing',
      'polled',
      'polled',
    ]);
    const guide = await api.getGuide(result.guideId ?? '');
    expect(guide).toMatchObject({ status: 'Published', latestProductionReadyVersion: { version: '1' } });
    const version = await api.getGuideVersion(guide.id, '1');
    expect(version.instruction).toBe((await definition()).instruction);
    expect(version.variables?.map((v) => `${v.name}:${v.type}:${v.scope}`)).toEqual([
      'productType:String:Input',
      'orderTotal:Number:Input',
    ]);
  });

  it('creates nothing when the template is unchanged (only the lookup and one version read)', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    const first = await deployGuide(api, await definition(), fast);
    const before = routeCounts(emulator);
    const again = await deployGuide(api, await definition(), fast);
    expect(again).toMatchObject({ action: 'unchanged', guideId: first.guideId, version: '1', changes: [] });
    expect(again.contentHash).toBe(first.contentHash);
    expect(newRequests(before, routeCounts(emulator))).toEqual({
      'GET /api/v2/guides': 1,
      'GET /api/v2/guides/{guideId}/versions/{versionId}': 1,
    });
  });

  it('writes version 2 when the instruction changed after version 1 was published', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    await deployGuide(api, await definition(), fast);
    const changed = await deployGuide(api, await definition((t) => `${t} Be brief.`), fast);
    expect(changed).toMatchObject({ action: 'created', version: '2', guideCreated: false });
    expect(changed.changes.map((c) => c.field)).toEqual(['instruction']);
    expect(emulator.stats().guides).toMatchObject({ guidesCreated: 1, versionsCreated: 2, publishJobs: 2 });
  });

  it('dry run: reports the changes field by field and sends no write', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    const planned = await deployGuide(api, await definition(), { ...fast, dryRun: true });
    expect(planned).toMatchObject({
      action: 'created',
      guideCreated: true,
      guideId: undefined,
      dryRun: true,
    });
    await deployGuide(api, await definition(), fast);
    const before = routeCounts(emulator);
    const plan = await deployGuide(api, await definition((t) => t.replace('refund', 'return')), {
      ...fast,
      dryRun: true,
    });
    expect(plan).toMatchObject({ action: 'created', version: undefined, dryRun: true });
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]?.field).toBe('instruction');
    expect(plan.changes[0]?.after).toContain('return');
    const sent = newRequests(before, routeCounts(emulator));
    for (const write of WRITES) expect(sent[write]).toBeUndefined();
    expect(Object.keys(sent).some((k) => k.includes('/jobs'))).toBe(false);
  });

  it('a failed publish is a GuidePublishError with the job reason; the Draft is patched in place next time', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    const broken = await definition((t) => `${t} ${GUIDE_TRIGGERS.publishFail}`);
    const failure = await deployGuide(api, broken, fast).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GuidePublishError);
    expect((failure as GuidePublishError).message).toMatch(/failed validation/);
    expect(failure).toMatchObject({ version: '1', code: 'guide.publish.failed' });

    const retried = await deployGuide(api, broken, fast).catch((error: unknown) => error);
    expect(retried).toBeInstanceOf(GuidePublishError);
    expect(emulator.stats().guides.versionsCreated).toBe(1);

    const fixed = await deployGuide(api, await definition(), fast);
    expect(fixed).toMatchObject({ action: 'patched', version: '1' });
    expect(emulator.stats().guides).toMatchObject({ versionsCreated: 1, publishJobs: 3 });
    expect((await api.getGuide(fixed.guideId ?? '')).status).toBe('Published');
  });

  it('publishes an unpublished version whose content already matches, without writing a version', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    await deployGuide(api, await definition(), { ...fast, publishState: 'TestReady' });
    const promoted = await deployGuide(api, await definition(), fast);
    expect(promoted).toMatchObject({ action: 'published', version: '1' });
    expect(emulator.stats().guides).toMatchObject({ versionsCreated: 1, publishJobs: 2 });
  });

  it('refuses a name that matches several guides, naming guide.name', async () => {
    const emulator = await emulatorFor();
    const api = guidesApiFor(emulator);
    await api.createGuide({ name: 'Refund assistant', source: 'Manual' });
    await api.createGuide({ name: 'refund ASSISTANT', source: 'Manual' });
    const error = await deployGuide(api, await definition(), fast).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('guide.name');
  });

  it('a client with only ai-studio:readonly is refused at the first write, naming the scope and permission', async () => {
    const emulator = await emulatorFor({
      clients: [{ clientId: 'viewer', clientSecret: 'v', scopes: ['ai-studio:readonly'] }],
    });
    const api = guidesApiFor(emulator, 'viewer', 'v');
    const error = await deployGuide(api, await definition(), fast).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as Error).message).toContain('aiStudio:guide:add');
  });
});
