/**
 * The emulator's AI Studio Guides endpoints: the SDK's field names and enums, version states and
 * publish jobs, session turns answered whole, every scripted status and result, scopes, rate limiting
 * and fault injection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  GuideEntityListingSchema,
  GuideSchema,
  GuideSessionTurnResponseSchema,
  GuideVersionPublishJobSchema,
  GuideVersionSchema,
  SCOPE_AI_STUDIO,
  SCOPE_AI_STUDIO_READONLY,
  type ErrorBody,
  type GuideSessionTurnResponse,
} from '../../src/contract/index.js';
import { GUIDE_TRIGGERS, SCRIPTED_TEXTS } from '../../src/emulator/index.js';
import { api, login, start, stopAll } from './emulator-test-kit.js';
import {
  VERSION_BODY,
  createGuide,
  createVersion,
  ok,
  postTurn,
  publish,
  publishedGuide,
  userTurn,
} from './guides-kit.js';

afterEach(stopAll);

const SESSION = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';

function fieldsOf(body: unknown): string[] {
  return ((body as ErrorBody).details as Array<{ fieldName: string }>).map((d) => d.fieldName);
}

describe('emulator: guides and versions', () => {
  it('creates a guide, finds it by name case-insensitively, and reads it, in the SDK shapes', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const created = GuideSchema.parse(await createGuide(emulator, token, 'Refund Helper'));
    expect(created).toMatchObject({ name: 'Refund Helper', status: 'Draft', source: 'Manual' });
    expect(created.latestSavedVersion).toBeUndefined();
    await createGuide(emulator, token, 'Other');

    const listing = GuideEntityListingSchema.parse(
      ok(await api(emulator, token, 'GET', '/api/v2/guides?name=refund%20helper')),
    );
    expect(listing.entities.map((g) => g.id)).toEqual([created.id]);
    expect(listing).toMatchObject({ total: 1, pageNumber: 1, pageSize: 25, pageCount: 1 });
    const read = GuideSchema.parse(ok(await api(emulator, token, 'GET', `/api/v2/guides/${created.id}`)));
    expect(read.id).toBe(created.id);
    expect(ok<unknown>(await api(emulator, token, 'GET', '/api/v2/guides?nameContains=HELP'))).toMatchObject({
      total: 1,
    });
  });

  it('pages the listing and refuses a page size over 100, naming pageSize', async () => {
    const emulator = await start();
    const token = await login(emulator);
    for (const name of ['a', 'b', 'c']) await createGuide(emulator, token, name);
    const page = GuideEntityListingSchema.parse(
      ok(
        await api(emulator, token, 'GET', '/api/v2/guides?pageSize=2&pageNumber=2&sortBy=name&sortOrder=asc'),
      ),
    );
    expect(page.entities.map((g) => g.name)).toEqual(['c']);
    expect(page).toMatchObject({ total: 3, pageCount: 2 });
    const refused = await api(emulator, token, 'GET', '/api/v2/guides?pageSize=101');
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.body)).toEqual(['pageSize']);
  });

  it('numbers versions, patches a Draft, publishes through a job, then refuses to patch the published version', async () => {
    const emulator = await start({ guidePublishReads: 2 });
    const token = await login(emulator);
    const guide = await createGuide(emulator, token);
    const v1 = GuideVersionSchema.parse(await createVersion(emulator, token, guide.id));
    expect(v1).toMatchObject({ version: '1', state: 'Draft', instruction: VERSION_BODY.instruction });
    expect(v1.variables).toEqual(VERSION_BODY.variables);

    const patched = GuideVersionSchema.parse(
      ok(
        await api(emulator, token, 'PATCH', `/api/v2/guides/${guide.id}/versions/1`, {
          instruction: 'Patched instruction.',
        }),
      ),
    );
    expect(patched).toMatchObject({ version: '1', instruction: 'Patched instruction.', state: 'Draft' });
    expect(patched.variables).toEqual(VERSION_BODY.variables);

    const started = GuideVersionPublishJobSchema.parse(
      ok(
        await api(emulator, token, 'POST', `/api/v2/guides/${guide.id}/versions/1/jobs`, {
          guideVersion: { state: 'ProductionReady' },
        }),
      ),
    );
    expect(started.status).toBe('InProgress');
    const jobPath = `/api/v2/guides/${guide.id}/versions/1/jobs/${started.id}`;
    expect(ok<{ status: string }>(await api(emulator, token, 'GET', jobPath)).status).toBe('InProgress');
    const done = GuideVersionPublishJobSchema.parse(ok(await api(emulator, token, 'GET', jobPath)));
    expect(done.status).toBe('Succeeded');
    expect(done.guideVersion?.state).toBe('ProductionReady');

    const published = GuideSchema.parse(ok(await api(emulator, token, 'GET', `/api/v2/guides/${guide.id}`)));
    expect(published.status).toBe('Published');
    expect(published.latestProductionReadyVersion?.version).toBe('1');
    expect(published.latestSavedVersion?.version).toBe('1');

    const refused = await api(emulator, token, 'PATCH', `/api/v2/guides/${guide.id}/versions/1`, {
      instruction: 'Too late.',
    });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.body)).toEqual(['state']);
    const v2 = GuideVersionSchema.parse(await createVersion(emulator, token, guide.id));
    expect(v2.version).toBe('2');
  });

  it('fails a publish job with its reason when the instruction asks for it', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const guide = await createGuide(emulator, token);
    await createVersion(emulator, token, guide.id, { instruction: `Broken ${GUIDE_TRIGGERS.publishFail}` });
    const job = GuideVersionPublishJobSchema.parse(await publish(emulator, token, guide.id, '1'));
    expect(job.status).toBe('Failed');
    expect(job.errors?.[0]?.message).toMatch(/failed validation/);
    const read = GuideSchema.parse(ok(await api(emulator, token, 'GET', `/api/v2/guides/${guide.id}`)));
    expect(read.status).toBe('Draft');
  });

  it('checks bodies strictly: a misspelt field or an unknown enum value is a 400 naming the field', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const badSource = await api(emulator, token, 'POST', '/api/v2/guides', { name: 'x', source: 'manual' });
    expect(badSource.status).toBe(400);
    expect(fieldsOf(badSource.body)).toEqual(['source']);
    const guide = await createGuide(emulator, token);
    const badVariable = await api(emulator, token, 'POST', `/api/v2/guides/${guide.id}/versions`, {
      instruction: 'x',
      variables: [{ name: 'a', type: 'string', scope: 'Input' }],
    });
    expect(badVariable.status).toBe(400);
    expect(fieldsOf(badVariable.body)).toEqual(['variables.0.type']);
    const unknown = await api(emulator, token, 'POST', `/api/v2/guides/${guide.id}/versions`, {
      instructions: 'x',
    });
    expect(unknown.status).toBe(400);
    expect(fieldsOf(unknown.body)).toContain('instruction');
    expect((await api(emulator, token, 'GET', '/api/v2/guides/nope')).status).toBe(404);
  });
});

describe('emulator: guide session turns', () => {
  it('starts a session on an unknown id and answers deterministically, with output variables', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    const body = userTurn('I want a refund for order 1234', version, [
      { name: 'productType', value: 'subscription' },
      { name: 'tier', value: 'gold' },
    ]);
    const first = GuideSessionTurnResponseSchema.parse(
      ok(await postTurn(emulator, token, guideId, SESSION, body)),
    );
    expect(first.status).toBe('COMPLETED');
    expect(first.result).toBe('SUCCESSFUL_COLLECTION');
    expect(first.response?.text?.length).toBeGreaterThan(40);
    expect(first.outputVariables).toEqual([
      { name: 'tier', value: 'gold' },
      { name: 'refundCase', value: expect.stringMatching(/^refundCase-[0-9a-f]{8}$/) as unknown as string },
    ]);
    const again = ok<GuideSessionTurnResponse>(
      await postTurn(emulator, token, guideId, 'other-session', body),
    );
    expect(again.response?.text).toBe(first.response?.text);
    const otherVariables = ok<GuideSessionTurnResponse>(
      await postTurn(
        emulator,
        token,
        guideId,
        'third',
        userTurn('I want a refund for order 1234', version, [{ name: 'productType', value: 'hardware' }]),
      ),
    );
    expect(otherVariables.response?.text).not.toBe(first.response?.text);
    expect(emulator.guideSession(guideId, SESSION)).toMatchObject({ turns: 1, inProgress: false });
    expect(emulator.stats().guides).toMatchObject({ sessionsStarted: 3, turns: 3 });
  });

  it('refuses a Draft version, an unknown version and an undeclared input variable, naming the field', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const guide = await createGuide(emulator, token);
    await createVersion(emulator, token, guide.id);
    const draft = await postTurn(emulator, token, guide.id, SESSION, userTurn('hi', '1'));
    expect(draft.status).toBe(400);
    expect(fieldsOf(draft.body)).toEqual(['version']);
    expect((draft.body as ErrorBody).message).toMatch(/Draft/);
    await publish(emulator, token, guide.id, '1', 'TestReady');
    expect((await postTurn(emulator, token, guide.id, SESSION, userTurn('hi', '1'))).status).toBe(200);
    const missing = await postTurn(emulator, token, guide.id, SESSION, userTurn('hi', '9'));
    expect(fieldsOf(missing.body)).toEqual(['version']);
    const undeclared = await postTurn(
      emulator,
      token,
      guide.id,
      SESSION,
      userTurn('hi', '1', [{ name: 'refundCase', value: 'x' }]),
    );
    expect(undeclared.status).toBe(400);
    expect(fieldsOf(undeclared.body)).toEqual(['inputVariables.0.name']);
    const badType = await postTurn(emulator, token, guide.id, SESSION, {
      ...userTurn('hi', '1'),
      inputEvent: { type: 'Text', mode: 'Text', text: 'hi' },
    });
    expect(fieldsOf(badType.body)).toEqual(['inputEvent.type']);
    const badSession = await postTurn(emulator, token, guide.id, 'a'.repeat(129), userTurn('hi', '1'));
    expect(fieldsOf(badSession.body)).toEqual(['guideSessionId']);
  });

  it('answers the scripted escalation, no-match and error turns', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    const turn = async (text: string): Promise<GuideSessionTurnResponse> =>
      GuideSessionTurnResponseSchema.parse(
        ok(await postTurn(emulator, token, guideId, SESSION, userTurn(text, version))),
      );
    expect(await turn(`Get me a person ${GUIDE_TRIGGERS.escalate}`)).toEqual({
      response: { text: SCRIPTED_TEXTS.escalate },
      status: 'COMPLETED',
      result: 'ESCALATION_TRIGGERED',
    });
    expect((await turn(`gibberish ${GUIDE_TRIGGERS.noMatch}`)).result).toBe('NO_MATCH');
    const error = await turn(`boom ${GUIDE_TRIGGERS.error}`);
    expect(error.status).toBe('ERROR');
    expect(error.result).toBeUndefined();
  });

  it('asks for a client action and completes when ReturnControl brings its output', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    const asked = GuideSessionTurnResponseSchema.parse(
      ok(
        await postTurn(
          emulator,
          token,
          guideId,
          SESSION,
          userTurn(`Where is order 77? ${GUIDE_TRIGGERS.clientAction}`, version),
        ),
      ),
    );
    expect(asked.result).toBe('CLIENT_ACTION_REQUIRED');
    expect(asked.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    const invocation = asked.invocations?.[0];
    expect(invocation).toMatchObject({ group: 'dataActions', actionName: 'lookupRecord' });
    expect(invocation?.parameters).toEqual([{ name: 'query', type: 'String', value: 'Where is order 77?' }]);
    expect(emulator.guideSession(guideId, SESSION)?.awaiting).toBe('clientAction');

    const returnControl = (invocationId: string): unknown => ({
      inputEvent: {
        type: 'ReturnControl',
        mode: 'Text',
        invocationId,
        invocations: [{ group: 'dataActions', actionName: 'lookupRecord', output: '{"status":"shipped"}' }],
      },
      languageCode: 'en-us',
      version,
    });
    const wrong = await postTurn(emulator, token, guideId, SESSION, returnControl('not-it'));
    expect(wrong.status).toBe(400);
    expect(fieldsOf(wrong.body)).toEqual(['inputEvent.invocationId']);
    const done = GuideSessionTurnResponseSchema.parse(
      ok(await postTurn(emulator, token, guideId, SESSION, returnControl(asked.invocationId ?? ''))),
    );
    expect(done).toMatchObject({ status: 'COMPLETED', result: 'SUCCESSFUL_COLLECTION' });
    expect(emulator.guideSession(guideId, SESSION)?.awaiting).toBeUndefined();
  });

  it('asks for confirmation and completes on the next user input', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    const asked = ok<GuideSessionTurnResponse>(
      await postTurn(
        emulator,
        token,
        guideId,
        SESSION,
        userTurn(`Cancel my plan ${GUIDE_TRIGGERS.confirm}`, version),
      ),
    );
    expect(asked).toMatchObject({ status: 'COMPLETED', result: 'CONFIRMATION_REQUIRED' });
    expect(asked.response?.text).toContain('Cancel my plan');
    const confirmed = ok<GuideSessionTurnResponse>(
      await postTurn(emulator, token, guideId, SESSION, userTurn('yes', version)),
    );
    expect(confirmed.result).toBe('SUCCESSFUL_COLLECTION');
  });

  it('answers IN_PROGRESS until enough NoOp polls, then the whole answer; a stray NoOp repeats the last', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    const noOp = { inputEvent: { type: 'NoOp', mode: 'Text' }, languageCode: 'en-us', version };
    const strayFirst = await postTurn(emulator, token, guideId, 'fresh', noOp);
    expect(strayFirst.status).toBe(400);

    const text = 'Explain the refund window';
    const plain = ok<GuideSessionTurnResponse>(
      await postTurn(emulator, token, guideId, 'plain', userTurn(text, version)),
    );
    const first = ok<GuideSessionTurnResponse>(
      await postTurn(emulator, token, guideId, SESSION, userTurn(`${text} [[guide:in-progress:2]]`, version)),
    );
    expect(first).toEqual({ status: 'IN_PROGRESS' });
    expect(emulator.guideSession(guideId, SESSION)?.inProgress).toBe(true);
    const other = await postTurn(emulator, token, guideId, SESSION, userTurn('something else', version));
    expect(other.status).toBe(400);
    expect(fieldsOf(other.body)).toEqual(['inputEvent.type']);
    expect(ok<GuideSessionTurnResponse>(await postTurn(emulator, token, guideId, SESSION, noOp)).status).toBe(
      'IN_PROGRESS',
    );
    const final = ok<GuideSessionTurnResponse>(await postTurn(emulator, token, guideId, SESSION, noOp));
    expect(final.status).toBe('COMPLETED');
    expect(final.response?.text).toBe(plain.response?.text);
    expect(ok<GuideSessionTurnResponse>(await postTurn(emulator, token, guideId, SESSION, noOp))).toEqual(
      final,
    );
  });
});

describe('emulator: guides scopes, rate limit and faults', () => {
  it('lets ai-studio:readonly read but not write, and ai-studio do both', async () => {
    const emulator = await start({
      clients: [
        { clientId: 'admin', clientSecret: 'a', scopes: [SCOPE_AI_STUDIO] },
        { clientId: 'viewer', clientSecret: 'v', scopes: [SCOPE_AI_STUDIO_READONLY] },
        { clientId: 'other', clientSecret: 'o', scopes: ['notifications'] },
      ],
    });
    const admin = await login(emulator, 'admin', 'a');
    const viewer = await login(emulator, 'viewer', 'v');
    const other = await login(emulator, 'other', 'o');
    const guide = await createGuide(emulator, admin);
    expect((await api(emulator, admin, 'GET', '/api/v2/guides')).status).toBe(200);
    expect((await api(emulator, viewer, 'GET', `/api/v2/guides/${guide.id}`)).status).toBe(200);
    const refused = await api(emulator, viewer, 'POST', '/api/v2/guides', { name: 'x', source: 'Manual' });
    expect(refused.status).toBe(403);
    expect((refused.body as ErrorBody).message).toContain(`[${SCOPE_AI_STUDIO}]`);
    const turn = await postTurn(emulator, viewer, guide.id, SESSION, userTurn('hi', '1'));
    expect(turn.status).toBe(403);
    const none = await api(emulator, other, 'GET', '/api/v2/guides');
    expect(none.status).toBe(403);
    expect((none.body as ErrorBody).message).toContain(`${SCOPE_AI_STUDIO}, ${SCOPE_AI_STUDIO_READONLY}`);
    expect((await api(emulator, undefined, 'GET', '/api/v2/guides')).status).toBe(401);
  });

  it('counts guides requests against the per-token rate limit, with Retry-After', async () => {
    const emulator = await start({ rateLimit: { requests: 2, windowMs: 60_000 } });
    const token = await login(emulator);
    expect((await api(emulator, token, 'GET', '/api/v2/guides')).status).toBe(200);
    expect((await api(emulator, token, 'GET', '/api/v2/guides')).status).toBe(200);
    const limited = await api(emulator, token, 'GET', '/api/v2/guides');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(emulator.stats().requestsByRoute['GET /api/v2/guides']).toBe(3);
  });

  it('injects the seeded 429s and 5xx into guides requests like any other', async () => {
    const emulator = await start();
    const token = await login(emulator);
    const { guideId, version } = await publishedGuide(emulator, token);
    emulator.setFaults({ rate429: 1 });
    const limited = await postTurn(emulator, token, guideId, SESSION, userTurn('hi', version));
    expect(limited.status).toBe(429);
    emulator.setFaults({ rate5xx: 1 });
    expect([500, 502, 503]).toContain((await api(emulator, token, 'GET', '/api/v2/guides')).status);
    emulator.setFaults({});
    expect(emulator.guideSession(guideId, SESSION)).toBeUndefined();
    expect(emulator.stats().injected).toMatchObject({ rate429: 1, rate5xx: 1 });
  });
});
