/**
 * Guide sessions of the emulator: an unknown session id starts a session (as on Genesys Cloud), and
 * each turn is answered whole in the same response. A session remembers what a follow-up turn needs:
 * an answer still `IN_PROGRESS` (the client polls it with `NoOp`), a client action awaiting its
 * `ReturnControl`, or a confirmation awaiting the user's reply. Idle sessions are forgotten.
 */
import type { GuideSessionTurnRequest, GuideSessionTurnResponse } from '../contract/guides.js';
import {
  clientActionAnswer,
  completedAnswer,
  confirmationAnswer,
  errorAnswer,
  fixedAnswer,
  inProgressAnswer,
  type AnsweringVersion,
} from './guides-answers.js';
import { GuideStoreError } from './guides-store.js';
import { scriptOf, withoutMarkers } from './guides-triggers.js';

/** Most sessions one emulator keeps at once. */
export const MAX_EMULATOR_GUIDE_SESSIONS = 100_000;

type Awaiting =
  | { kind: 'clientAction'; invocationId: string; group: string; actionName: string }
  | { kind: 'confirmation'; text: string };

interface SessionRecord {
  guideId: string;
  sessionId: string;
  turns: number;
  lastActiveAt: number;
  /** An answer still being "generated": `pollsLeft` more `NoOp`s answer `IN_PROGRESS`. */
  pending: { pollsLeft: number; answer: GuideSessionTurnResponse; text: string } | undefined;
  awaiting: Awaiting | undefined;
  last: GuideSessionTurnResponse | undefined;
}

/** What `session()` tells about one session. */
export interface GuideSessionView {
  guideId: string;
  guideSessionId: string;
  /** Turns received (polls included). */
  turns: number;
  /** True while an answer is `IN_PROGRESS`. */
  inProgress: boolean;
  /** What the session waits for, if anything. */
  awaiting: 'clientAction' | 'confirmation' | undefined;
  /** The text of the last answer that was not `IN_PROGRESS` (what a client must have received). */
  lastText: string | undefined;
}

/** The guide sessions of one emulator. */
export class GuideSessions {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #retainMs: number;
  /** Counters for `stats()`. */
  readonly counts = { sessionsStarted: 0, turns: 0 };

  /** @param retainMs how long an idle session is kept */
  constructor(retainMs: number) {
    this.#retainMs = retainMs;
  }

  /**
   * Answers one turn of `guideSessionId` against `version` (already checked to be published).
   * @throws GuideStoreError for a follow-up that does not fit the session's state
   */
  turn(
    guideId: string,
    guideSessionId: string,
    version: AnsweringVersion,
    request: GuideSessionTurnRequest,
    now = Date.now(),
  ): GuideSessionTurnResponse {
    const key = `${guideId}\u0000${guideSessionId}`;
    let session = this.#sessions.get(key);
    if (session === undefined) {
      if (this.#sessions.size >= MAX_EMULATOR_GUIDE_SESSIONS) this.sweep(now);
      if (this.#sessions.size >= MAX_EMULATOR_GUIDE_SESSIONS) {
        throw new GuideStoreError(
          400,
          `The emulator keeps at most ${MAX_EMULATOR_GUIDE_SESSIONS} guide sessions.`,
        );
      }
      session = {
        guideId,
        sessionId: guideSessionId,
        turns: 0,
        lastActiveAt: now,
        pending: undefined,
        awaiting: undefined,
        last: undefined,
      };
      this.#sessions.set(key, session);
      this.counts.sessionsStarted += 1;
    }
    const answer = this.#answer(session, key, version, request);
    session.turns += 1;
    session.lastActiveAt = now;
    this.counts.turns += 1;
    if (answer.status !== 'IN_PROGRESS') session.last = answer;
    return answer;
  }

  /** One session's state, or undefined when unknown. */
  session(guideId: string, guideSessionId: string): GuideSessionView | undefined {
    const session = this.#sessions.get(`${guideId}\u0000${guideSessionId}`);
    if (session === undefined) return undefined;
    return {
      guideId,
      guideSessionId,
      turns: session.turns,
      inProgress: session.pending !== undefined,
      awaiting: session.awaiting?.kind,
      lastText: session.last?.response?.text,
    };
  }

  /** Sessions held now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Forgets sessions idle longer than the retention time. */
  sweep(now = Date.now()): void {
    for (const [key, session] of this.#sessions) {
      if (now - session.lastActiveAt > this.#retainMs) this.#sessions.delete(key);
    }
  }

  #answer(
    session: SessionRecord,
    key: string,
    version: AnsweringVersion,
    request: GuideSessionTurnRequest,
  ): GuideSessionTurnResponse {
    const event = request.inputEvent;
    const variables = request.inputVariables ?? [];
    if (session.pending !== undefined) {
      // A poll, or the same input sent again (a retried request): both wait for the pending answer.
      const repeat = event.type === 'UserInput' && event.text === session.pending.text;
      if (event.type !== 'NoOp' && !repeat) {
        throw new GuideStoreError(
          400,
          'The previous turn is still IN_PROGRESS; send NoOp turns until it completes.',
          'inputEvent.type',
        );
      }
      if (session.pending.pollsLeft > 0) {
        session.pending.pollsLeft -= 1;
        return inProgressAnswer();
      }
      const { answer } = session.pending;
      session.pending = undefined;
      return answer;
    }
    if (event.type === 'NoOp') {
      if (session.last === undefined) {
        throw new GuideStoreError(
          400,
          'NoOp needs an earlier turn in this session to wait for.',
          'inputEvent.type',
        );
      }
      return session.last;
    }
    if (event.type === 'ReturnControl') return this.#returnControl(session, version, request);

    const raw = event.text ?? '';
    const text = withoutMarkers(raw);
    if (raw.trim() === '') {
      throw new GuideStoreError(400, 'A UserInput turn needs inputEvent.text.', 'inputEvent.text');
    }
    const awaiting = session.awaiting;
    session.awaiting = undefined;
    const { outcome, inProgressPolls } = scriptOf(raw);
    let answer: GuideSessionTurnResponse;
    if (awaiting?.kind === 'confirmation' && outcome === undefined) {
      answer = completedAnswer(version, `${awaiting.text} (confirmed: ${text})`, variables);
    } else if (outcome === 'escalate') {
      answer = fixedAnswer('ESCALATION_TRIGGERED');
    } else if (outcome === 'noMatch') {
      answer = fixedAnswer('NO_MATCH');
    } else if (outcome === 'error') {
      answer = errorAnswer();
    } else if (outcome === 'confirm') {
      answer = confirmationAnswer(text);
      session.awaiting = { kind: 'confirmation', text };
    } else if (outcome === 'clientAction') {
      const action = clientActionAnswer(version, text, key, session.turns);
      answer = action.answer;
      session.awaiting = {
        kind: 'clientAction',
        invocationId: action.invocationId,
        group: action.group,
        actionName: action.actionName,
      };
    } else {
      answer = completedAnswer(version, text, variables);
    }
    if (inProgressPolls > 0) {
      session.pending = { pollsLeft: inProgressPolls - 1, answer, text: raw };
      return inProgressAnswer();
    }
    return answer;
  }

  #returnControl(
    session: SessionRecord,
    version: AnsweringVersion,
    request: GuideSessionTurnRequest,
  ): GuideSessionTurnResponse {
    const awaiting = session.awaiting;
    const event = request.inputEvent;
    if (awaiting?.kind !== 'clientAction') {
      throw new GuideStoreError(
        400,
        'ReturnControl answers a CLIENT_ACTION_REQUIRED turn; this session is not waiting for one.',
        'inputEvent.type',
      );
    }
    if (event.invocationId !== awaiting.invocationId) {
      throw new GuideStoreError(
        400,
        `inputEvent.invocationId must be ${awaiting.invocationId}, the invocation this session waits for.`,
        'inputEvent.invocationId',
      );
    }
    const outputs = event.invocations ?? [];
    if (outputs.length === 0) {
      throw new GuideStoreError(
        400,
        "ReturnControl needs inputEvent.invocations with each action's output.",
        'inputEvent.invocations',
      );
    }
    session.awaiting = undefined;
    const summary = outputs.map((o) => `${o.actionName} returned ${o.output}`).join('; ');
    return completedAnswer(version, summary, request.inputVariables ?? []);
  }
}
