/**
 * Shared steps of the emulator's Guides tests: create a guide, a version, publish it, send a turn,
 * all with plain fetch through `api()`.
 */
import type {
  CreateGuideVersion,
  Guide,
  GuideSessionTurnRequest,
  GuideVersion,
  GuideVersionPublishJob,
} from '../../src/contract/index.js';
import type { Emulator } from '../../src/emulator/index.js';
import { api, type ApiAnswer } from './emulator-test-kit.js';

/** A version body with two input variables and one output variable. */
export const VERSION_BODY: CreateGuideVersion = {
  instruction: 'You help customers with refunds. Collect the order number and the reason.',
  variables: [
    { name: 'productType', type: 'String', scope: 'Input', description: 'What was bought' },
    { name: 'tier', type: 'String', scope: 'InputAndOutput' },
    { name: 'refundCase', type: 'String', scope: 'Output' },
  ],
};

/** Expects `status` and returns the body typed as `T`. */
export function ok<T>(answer: ApiAnswer, status = 200): T {
  if (answer.status !== status) {
    throw new Error(`expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}

/** Creates a guide named `name`. */
export async function createGuide(emulator: Emulator, token: string, name = 'Refunds'): Promise<Guide> {
  return ok<Guide>(await api(emulator, token, 'POST', '/api/v2/guides', { name, source: 'Manual' }));
}

/** Creates a version of `guideId`. */
export async function createVersion(
  emulator: Emulator,
  token: string,
  guideId: string,
  body: CreateGuideVersion = VERSION_BODY,
): Promise<GuideVersion> {
  return ok<GuideVersion>(await api(emulator, token, 'POST', `/api/v2/guides/${guideId}/versions`, body));
}

/** Publishes a version and reads its job until it ends; returns the last job read. */
export async function publish(
  emulator: Emulator,
  token: string,
  guideId: string,
  version: string,
  state: 'TestReady' | 'ProductionReady' = 'ProductionReady',
): Promise<GuideVersionPublishJob> {
  let job = ok<GuideVersionPublishJob>(
    await api(emulator, token, 'POST', `/api/v2/guides/${guideId}/versions/${version}/jobs`, {
      guideVersion: { state },
    }),
  );
  for (let reads = 0; job.status === 'InProgress' && reads < 10; reads++) {
    job = ok<GuideVersionPublishJob>(
      await api(emulator, token, 'GET', `/api/v2/guides/${guideId}/versions/${version}/jobs/${job.id}`),
    );
  }
  return job;
}

/** A published guide (version 1 of `VERSION_BODY`, ProductionReady). */
export async function publishedGuide(
  emulator: Emulator,
  token: string,
  body: CreateGuideVersion = VERSION_BODY,
): Promise<{ guideId: string; version: string }> {
  const guide = await createGuide(emulator, token);
  const version = await createVersion(emulator, token, guide.id, body);
  const job = await publish(emulator, token, guide.id, version.version);
  if (job.status !== 'Succeeded') throw new Error(`publish failed: ${JSON.stringify(job)}`);
  return { guideId: guide.id, version: version.version };
}

/** A `UserInput` turn body. */
export function userTurn(
  text: string,
  version: string,
  inputVariables: GuideSessionTurnRequest['inputVariables'] = [],
): GuideSessionTurnRequest {
  return {
    inputEvent: { type: 'UserInput', mode: 'Text', text },
    languageCode: 'en-us',
    version,
    inputVariables,
  };
}

/** `POST .../sessions/{sessionId}/turns`. */
export function postTurn(
  emulator: Emulator,
  token: string,
  guideId: string,
  sessionId: string,
  body: unknown,
): Promise<ApiAnswer> {
  return api(emulator, token, 'POST', `/api/v2/guides/${guideId}/sessions/${sessionId}/turns`, body);
}
