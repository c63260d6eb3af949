/**
 * One guide turn over the real REST pipeline: IN_PROGRESS waited out with NoOp polls after a
 * backoff, ERROR as a typed error, a poll limit, the caller's abort, and retries under faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GuideSessionTurnRequest } from '../../src/contract/guides.js';
import { GUIDE_TRIGGERS, SCRIPTED_TEXTS, type Emulator } from '../../src/emulator/index.js';
import { AbortError, TimeoutError } from '../../src/errors.js';
import { GuideTurnError } from '../../src/guides/guide-errors.js';
import { sendGuideTurn } from '../../src/guides/guide-turn-client.js';
import type { GuidesApi } from '../../src/guides/guides-api.js';
import { closeAll, emulatorFor, guidesApiFor } from './guides-test-kit.js';

afterEach(closeAll);

const SESSION = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

async function publishedGuide(emulator: Emulator): Promise<{ api: GuidesApi; guideId: string }> {
  const api = guidesApiFor(emulator);
  const guide = await api.createGuide({ name: 'Turns', source: 'Manual' });
  await api.createGuideVersion(guide.id, { instruction: 'You answer questions about orders.' });
  await api.startPublishJob(guide.id, '1', 'ProductionReady');
  return { api, guideId: guide.id };
}

const turn = (text: string): GuideSessionTurnRequest => ({
  inputEvent: { type: 'UserInput', mode: 'Text', text },
  languageCode: 'en-us',
  version: '1',
});

describe('sendGuideTurn', () => {
  it('waits out IN_PROGRESS with NoOp polls after a growing backoff, then returns the whole answer', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 0 });
    const { api, guideId } = await publishedGuide(emulator);
    const plain = await sendGuideTurn(api, guideId, 'plain', turn('Where is order 5?'));
    const waits: number[] = [];
    const answer = await sendGuideTurn(
      api,
      guideId,
      SESSION,
      turn(`Where is order 5? ${GUIDE_TRIGGERS.inProgress.replace(']]', ':3]]')}`),
      {
        inProgressBackoff: { baseMs: 100, maxMs: 300 },
        random: () => 1,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(answer.polls).toBe(3);
    expect(answer.response.status).toBe('COMPLETED');
    expect(answer.response.response?.text).toBe(plain.response.response?.text);
    expect(waits).toEqual([100, 200, 300]);
    expect(emulator.guideSession(guideId, SESSION)?.turns).toBe(4);
  });

  it('turns ERROR into a GuideTurnError carrying the session and the guide text', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 0 });
    const { api, guideId } = await publishedGuide(emulator);
    const error = await sendGuideTurn(api, guideId, SESSION, turn(`boom ${GUIDE_TRIGGERS.error}`)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(GuideTurnError);
    expect(error).toMatchObject({
      code: 'guide.turn.error',
      guideSessionId: SESSION,
      responseText: SCRIPTED_TEXTS.error,
    });
  });

  it('stops at the poll limit with a TimeoutError naming it', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 0 });
    const { api, guideId } = await publishedGuide(emulator);
    const error = await sendGuideTurn(api, guideId, SESSION, turn('slow [[guide:in-progress:9]]'), {
      maxInProgressPolls: 2,
      sleep: async () => undefined,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain('maxInProgressPolls');
  });

  it('stops waiting when the signal fires', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 0 });
    const { api, guideId } = await publishedGuide(emulator);
    const controller = new AbortController();
    const pending = sendGuideTurn(api, guideId, SESSION, turn('slow [[guide:in-progress:9]]'), {
      signal: controller.signal,
      inProgressBackoff: { baseMs: 60_000 },
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('retries injected 429s and 5xx through the pipeline and still answers the same text', async () => {
    const emulator = await emulatorFor({ guidePublishReads: 0 });
    const { api, guideId } = await publishedGuide(emulator);
    const clean = await sendGuideTurn(api, guideId, 'clean', turn('Refund please'));
    emulator.setFaults({ seed: 3, rate429: 0.3, rate5xx: 0.3, retryAfterSeconds: 0 });
    const answers = await Promise.all(
      ['a', 'b', 'c', 'd'].map((s) => sendGuideTurn(api, guideId, `faulty-${s}`, turn('Refund please'))),
    );
    for (const answer of answers) expect(answer.response.response?.text).toBe(clean.response.response?.text);
    expect(answers.reduce((sum, a) => sum + a.retries, 0)).toBeGreaterThan(0);
  });
});
