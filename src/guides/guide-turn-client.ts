/**
 * One guide turn, whole: post it, and while the guide answers `IN_PROGRESS` wait a backoff and post a
 * `NoOp` turn to the same session (the Guides way to poll), until it completes, errs, the signal fires
 * or the poll limit is reached. `ERROR` becomes a `GuideTurnError`.
 */
import type { GuideSessionTurnRequest, GuideSessionTurnResponse } from '../contract/guides.js';
import { TimeoutError } from '../errors.js';
import { abortableSleep, type Sleep } from '../timers/abortable-sleep.js';
import { GuideTurnError } from './guide-errors.js';
import type { GuidesApi } from './guides-api.js';

/** Options of `sendGuideTurn`. */
export interface GuideTurnOptions {
  /** Stops the turn (the injection's signal carries its deadline). */
  signal?: AbortSignal | undefined;
  /** Wait before each `NoOp` poll: first ceiling and cap in ms (default 250 and 4 000). */
  inProgressBackoff?: { baseMs?: number; maxMs?: number };
  /** Most `NoOp` polls of one turn (default 120). */
  maxInProgressPolls?: number;
  /** Uniform random in [0, 1), for the jitter (default `Math.random`). */
  random?: () => number;
  /** Waiting (default a real, abortable timer). */
  sleep?: Sleep;
}

/** A completed turn and what it took. */
export interface GuideTurnAnswer {
  /** The final answer (`status: COMPLETED`). */
  response: GuideSessionTurnResponse & { status: 'COMPLETED' };
  /** `NoOp` polls made while it was `IN_PROGRESS`. */
  polls: number;
  /** Retries of the pipeline over all the requests (429, 5xx, 401 re-login). */
  retries: number;
}

/** Default most `NoOp` polls of one turn. */
export const DEFAULT_MAX_IN_PROGRESS_POLLS = 120;

/**
 * Sends one turn and waits out `IN_PROGRESS`.
 * @param api the Guides endpoints
 * @param guideId the guide
 * @param guideSessionId the session (an unknown id starts one)
 * @param request the turn
 * @param options signal, backoff, poll limit
 * @throws GuideTurnError on `ERROR`; TimeoutError past the poll limit; AbortError when the signal
 *   fires; ApiError subclasses from the endpoint
 */
export async function sendGuideTurn(
  api: GuidesApi,
  guideId: string,
  guideSessionId: string,
  request: GuideSessionTurnRequest,
  options: GuideTurnOptions = {},
): Promise<GuideTurnAnswer> {
  const first = await api.postTurn(guideId, guideSessionId, request, { signal: options.signal });
  return completeGuideTurn(api, guideId, guideSessionId, request, first, options);
}

/**
 * Takes the first answer of a turn to its end: polls with `NoOp` while it is `IN_PROGRESS`.
 * @param api the Guides endpoints
 * @param guideId the guide
 * @param guideSessionId the session
 * @param request the turn that was sent (its language, version and variables go with each poll)
 * @param first the answer to it and the retries it took
 * @param options signal, backoff, poll limit
 * @throws as `sendGuideTurn`
 */
export async function completeGuideTurn(
  api: GuidesApi,
  guideId: string,
  guideSessionId: string,
  request: GuideSessionTurnRequest,
  first: { value: GuideSessionTurnResponse; retries: number },
  options: GuideTurnOptions = {},
): Promise<GuideTurnAnswer> {
  const { signal } = options;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const baseMs = Math.max(1, options.inProgressBackoff?.baseMs ?? 250);
  const maxMs = Math.max(baseMs, options.inProgressBackoff?.maxMs ?? 4_000);
  const maxPolls = options.maxInProgressPolls ?? DEFAULT_MAX_IN_PROGRESS_POLLS;
  const noOp: GuideSessionTurnRequest = {
    inputEvent: { type: 'NoOp', mode: 'Text' },
    languageCode: request.languageCode,
    version: request.version,
    ...(request.inputVariables === undefined ? {} : { inputVariables: request.inputVariables }),
  };

  let response = first.value;
  let retries = first.retries;
  let polls = 0;
  while (response.status === 'IN_PROGRESS') {
    if (polls >= maxPolls) {
      throw new TimeoutError(
        `guide ${guideId} session ${guideSessionId} was still IN_PROGRESS after ${maxPolls} NoOp polls (maxInProgressPolls); raise the limit or the deadline`,
      );
    }
    // Equal jitter: never less than half the ceiling, so a busy guide is not polled in a tight loop.
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(polls, 30));
    await sleep(ceiling / 2 + random() * (ceiling / 2), signal);
    const polled = await api.postTurn(guideId, guideSessionId, noOp, { signal });
    response = polled.value;
    retries += polled.retries;
    polls += 1;
  }
  if (response.status === 'ERROR') {
    const text = response.response?.text;
    throw new GuideTurnError(
      `guide ${guideId} answered the turn with ERROR${text ? `: ${text}` : ''}; send the turn again, or start a new session`,
      { guideId, guideSessionId, ...(text === undefined ? {} : { responseText: text }) },
    );
  }
  return { response: response as GuideTurnAnswer['response'], polls, retries };
}
