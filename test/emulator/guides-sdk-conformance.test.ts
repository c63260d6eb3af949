/**
 * Conformance: the official SDK's `AIStudioApi` (`purecloud-platform-client-v2` 262, its own axios
 * client), pointed at the emulator through `setGateway`, authors, publishes and talks to a guide with
 * `postGuides`, `getGuides`, `postGuideVersions`, `patchGuideVersion`, `postGuideVersionJobs`,
 * `getGuideVersionJob` and `postGuideSessionTurns`; every answer parses with the shared contract.
 */
import platformClient, { type Models } from 'purecloud-platform-client-v2';
import { afterEach, describe, expect, it } from 'vitest';
import { createSdkApiClient, loadSdk, type SdkApiClient } from '../../src/sdk/sdk-binding.js';
import {
  ErrorBodySchema,
  GuideEntityListingSchema,
  GuideSchema,
  GuideSessionTurnResponseSchema,
  GuideVersionPublishJobSchema,
  GuideVersionSchema,
} from '../../src/contract/index.js';
import { GUIDE_TRIGGERS, type Emulator } from '../../src/emulator/index.js';
import { start, stopAll } from './emulator-test-kit.js';

afterEach(stopAll);

/** The `AIStudioApi` methods this test drives, with the SDK's own model types. */
interface SdkAIStudioApi {
  postGuides(body: Models.CreateGuide): Promise<Models.Guide>;
  getGuides(opts?: { name?: string; pageSize?: number }): Promise<Models.GuideEntityListing>;
  postGuideVersions(
    guideId: string,
    opts?: { body?: Models.CreateGuideVersion },
  ): Promise<Models.GuideVersion>;
  patchGuideVersion(
    guideId: string,
    versionId: string,
    body: Models.UpdateGuideVersion,
  ): Promise<Models.GuideVersion>;
  postGuideVersionJobs(
    guideId: string,
    versionId: string,
    body: Models.GuideVersionPublishJobRequest,
  ): Promise<Models.GuideVersionPublishJob>;
  getGuideVersionJob(
    guideId: string,
    versionId: string,
    jobId: string,
  ): Promise<Models.GuideVersionPublishJob>;
  postGuideSessionTurns(
    guideId: string,
    guideSessionId: string,
    body: Models.GuideSessionTurnRequest,
  ): Promise<Models.GuideSessionTurnResponse>;
}

function aiStudioApi(apiClient: SdkApiClient): SdkAIStudioApi {
  const Api = (platformClient as unknown as { AIStudioApi: new (client: unknown) => SdkAIStudioApi })
    .AIStudioApi;
  return new Api(apiClient);
}

async function sdkFor(emulator: Emulator): Promise<SdkAIStudioApi> {
  const apiClient = createSdkApiClient(await loadSdk());
  apiClient.setGateway({ host: '127.0.0.1', protocol: 'http', port: emulator.port });
  await apiClient.loginClientCredentialsGrant(emulator.clientId, emulator.clientSecret);
  return aiStudioApi(apiClient);
}

describe('official SDK AIStudioApi against the emulator (conformance)', () => {
  it('authors, publishes and finds a guide', async () => {
    const emulator = await start();
    const studio = await sdkFor(emulator);

    const guide = GuideSchema.parse(await studio.postGuides({ name: 'SDK Refunds', source: 'Manual' }));
    expect(guide.status).toBe('Draft');
    const created = GuideVersionSchema.parse(
      await studio.postGuideVersions(guide.id, {
        body: {
          instruction: 'You help with refunds.',
          variables: [{ name: 'productType', type: 'String', scope: 'Input' }],
        },
      }),
    );
    expect(created).toMatchObject({ version: '1', state: 'Draft' });
    const patched = GuideVersionSchema.parse(
      await studio.patchGuideVersion(guide.id, created.version, {
        instruction: 'You help with refunds, kindly.',
      }),
    );
    expect(patched.instruction).toBe('You help with refunds, kindly.');

    let job = GuideVersionPublishJobSchema.parse(
      await studio.postGuideVersionJobs(guide.id, created.version, {
        guideVersion: { state: 'ProductionReady' },
      }),
    );
    expect(job.status).toBe('InProgress');
    job = GuideVersionPublishJobSchema.parse(
      await studio.getGuideVersionJob(guide.id, created.version, job.id),
    );
    expect(job.status).toBe('Succeeded');

    const found = GuideEntityListingSchema.parse(
      await studio.getGuides({ name: 'sdk refunds', pageSize: 10 }),
    );
    expect(found.entities).toHaveLength(1);
    expect(found.entities[0]).toMatchObject({
      id: guide.id,
      status: 'Published',
      latestProductionReadyVersion: { version: '1' },
    });
  });

  it('talks to a guide with postGuideSessionTurns: an answer, a client action and its ReturnControl', async () => {
    const emulator = await start({ guidePublishReads: 0 });
    const studio = await sdkFor(emulator);
    const guide = await studio.postGuides({ name: 'Orders', source: 'Manual' });
    const guideId = guide.id ?? '';
    await studio.postGuideVersions(guideId, {
      body: {
        instruction: 'You track orders.',
        variables: [
          { name: 'customer', type: 'String', scope: 'Input' },
          { name: 'orderStatus', type: 'String', scope: 'Output' },
        ],
      },
    });
    const job = await studio.postGuideVersionJobs(guideId, '1', { guideVersion: { state: 'TestReady' } });
    expect(job.status).toBe('Succeeded');

    const session = '3f0c2b8e-2a4d-4c1e-9b7a-5d6e7f8a9b0c';
    const answer = GuideSessionTurnResponseSchema.parse(
      await studio.postGuideSessionTurns(guideId, session, {
        inputEvent: { type: 'UserInput', mode: 'Text', text: 'Where is my parcel?' },
        languageCode: 'en-us',
        version: '1',
        inputVariables: [{ name: 'customer', value: 'Ada' }],
      }),
    );
    expect(answer).toMatchObject({ status: 'COMPLETED', result: 'SUCCESSFUL_COLLECTION' });
    expect(answer.outputVariables?.map((v) => v.name)).toEqual(['orderStatus']);

    const asked = GuideSessionTurnResponseSchema.parse(
      await studio.postGuideSessionTurns(guideId, session, {
        inputEvent: { type: 'UserInput', mode: 'Text', text: `Order 42 ${GUIDE_TRIGGERS.clientAction}` },
        languageCode: 'en-us',
        version: '1',
      }),
    );
    expect(asked.result).toBe('CLIENT_ACTION_REQUIRED');
    const invocation = asked.invocations?.[0];
    const done = GuideSessionTurnResponseSchema.parse(
      await studio.postGuideSessionTurns(guideId, session, {
        inputEvent: {
          type: 'ReturnControl',
          mode: 'Text',
          invocationId: asked.invocationId ?? '',
          invocations: [
            { group: invocation?.group ?? '', actionName: invocation?.actionName ?? '', output: 'delivered' },
          ],
        },
        languageCode: 'en-us',
        version: '1',
      }),
    );
    expect(done).toMatchObject({ status: 'COMPLETED', result: 'SUCCESSFUL_COLLECTION' });
    expect(emulator.guideSession(guideId, session)?.turns).toBe(3);
  });

  it('rejects through the SDK with the Genesys error body (400 naming the field)', async () => {
    const emulator = await start();
    const studio = await sdkFor(emulator);
    // Without `returnExtended` the SDK rejects with the error body itself.
    const failure: unknown = await studio.postGuides({ name: 'x', source: 'Nope' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    const body = ErrorBodySchema.parse(failure);
    expect(body.status).toBe(400);
    expect((body.details as Array<{ fieldName: string }>).map((d) => d.fieldName)).toEqual(['source']);
  });
});
