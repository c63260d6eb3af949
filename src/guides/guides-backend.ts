/**
 * `backend: 'guides'`: an injection as one AI Studio guide turn (real Genesys Cloud API). The rendered
 * user message is `inputEvent.text`, the template's variables are `inputVariables`, and the session id
 * derives from the idempotency key, so a retried or resumed injection continues its session. The guide
 * answers whole in the same response (there is no notification topic for turns): the text is yielded
 * as one chunk, then the outcome, whose `details` are the turn's `GuideTurnDetails`.
 */
import type { GuideSessionInputEvent, GuideSessionTurnRequest } from '../contract/guides.js';
import { ValidationError } from '../errors.js';
import type { InjectOptions } from '../injector-options.js';
import { tokenCounter, type TokenCounter } from '../prompt/tokens.js';
import type {
  ResponseBackend,
  ResponseBackendContext,
  ResponseBackendFactory,
  ResponseEvents,
  ResponseOutcome,
  ResponseRequest,
} from '../stream/response-backend.js';
import { DEFAULT_GUIDE_LANGUAGE } from './guide-definition.js';
import { guideInputVariables } from './guide-input-variables.js';
import { guideSessionIdFor } from './guide-session-id.js';
import { completeGuideTurn } from './guide-turn-client.js';
import type { GuideInjectOptions, GuideTurnDetails } from './guide-turn-result.js';
import { GuidesApi } from './guides-api.js';

/** How long the latest production-ready version of a guide is remembered (ms). */
export const GUIDE_VERSION_CACHE_MS = 60_000;
/** Most guides whose version is remembered at once. */
const MAX_CACHED_GUIDES = 1_000;

/** The registry entry of the `guides` backend. */
export const guidesBackend: ResponseBackendFactory<InjectOptions> = {
  name: 'guides',
  create: (context) => new GuidesBackend(context),
};

/** One injector's guides backend: the endpoints and a short cache of each guide's published version. */
class GuidesBackend implements ResponseBackend<InjectOptions> {
  readonly #api: GuidesApi;
  readonly #pollBaseMs: number;
  readonly #versions = new Map<string, { version: string; expiresAt: number }>();
  #counter: TokenCounter | undefined;

  constructor(context: ResponseBackendContext) {
    this.#api = new GuidesApi(context.rest);
    this.#pollBaseMs = context.pollIntervalMs;
  }

  async respond(request: ResponseRequest<InjectOptions>, events: ResponseEvents): Promise<ResponseOutcome> {
    const { signal, template } = request;
    const guideId = request.targetId;
    const options: GuideInjectOptions = request.options.guide ?? {};
    const previous = options.previous;
    const payload = request.takePayload();
    const text = [...payload.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const inputVariables = guideInputVariables(template, request.options.variables);
    const version = options.version ?? previous?.version ?? (await this.#publishedVersion(guideId, signal));
    const languageCode =
      options.languageCode ??
      previous?.languageCode ??
      template.guide?.languageCode ??
      DEFAULT_GUIDE_LANGUAGE;
    const guideSessionId = previous?.guideSessionId ?? guideSessionIdFor(request.idempotencyKey);
    const inputEvent: GuideSessionInputEvent =
      options.returnControl === undefined
        ? { type: 'UserInput', mode: 'Text', text }
        : {
            type: 'ReturnControl',
            mode: 'Text',
            invocationId: options.returnControl.invocationId,
            invocations: options.returnControl.invocations,
          };
    const body: GuideSessionTurnRequest = {
      inputEvent,
      languageCode,
      version,
      ...(inputVariables.length === 0 ? {} : { inputVariables }),
      ...(options.knowledgeSettings === undefined ? {} : { knowledgeSettings: options.knowledgeSettings }),
    };

    const first = await this.#api.postTurn(guideId, guideSessionId, body, { signal });
    const acceptedAt = performance.now();
    events.accepted({ conversationId: guideSessionId, retries: first.retries, targetVersion: version });
    const answer = await completeGuideTurn(this.#api, guideId, guideSessionId, body, first, {
      signal,
      inProgressBackoff: { baseMs: this.#pollBaseMs, maxMs: this.#pollBaseMs * 8 },
    });
    const answered = performance.now();
    const count = request.countTokens ?? (this.#counter ??= tokenCounter());
    const whole = answer.response.response?.text ?? '';
    const cut = request.budgetTokens === undefined ? whole : cutToBudget(whole, request.budgetTokens, count);
    if (request.collectChunks && cut !== '') events.chunk(1, cut);
    const details: GuideTurnDetails = {
      guideId,
      guideSessionId,
      version,
      languageCode,
      status: 'COMPLETED',
      result: answer.response.result,
      outputVariables: answer.response.outputVariables ?? [],
      invocationId: answer.response.invocationId,
      invocations: answer.response.invocations ?? [],
      inProgressPolls: answer.polls,
    };
    const truncated = cut !== whole;
    return {
      conversationId: guideSessionId,
      text: cut,
      finishReason: truncated ? 'budget' : 'stop',
      truncated,
      // Guides report no usage: the prompt count is the client's, the answer is counted here.
      usage: { promptTokens: request.promptTokens, completionTokens: count(cut) },
      safetyPolicyTriggered: false,
      malformedFrames: 0,
      timeToFirstChunkMs: whole === '' ? undefined : answered - acceptedAt,
      streamDurationMs: 0,
      details: { ...details },
    };
  }

  async close(): Promise<void> {
    this.#versions.clear();
  }

  /** The guide's latest ProductionReady version, remembered for `GUIDE_VERSION_CACHE_MS`. */
  async #publishedVersion(guideId: string, signal: AbortSignal): Promise<string> {
    const now = Date.now();
    const cached = this.#versions.get(guideId);
    if (cached !== undefined && cached.expiresAt > now) return cached.version;
    const guide = await this.#api.getGuide(guideId, { signal });
    const version = guide.latestProductionReadyVersion?.version;
    if (version === undefined) {
      throw new ValidationError(
        'guide.version',
        `guide ${guideId} ("${guide.name}") has no ProductionReady version`,
        'deploy it with `genesys-prompt guide deploy`, or pass guide.version (a TestReady version)',
      );
    }
    if (this.#versions.size >= MAX_CACHED_GUIDES) this.#versions.clear();
    this.#versions.set(guideId, { version, expiresAt: now + GUIDE_VERSION_CACHE_MS });
    return version;
  }
}

/**
 * The longest prefix of `text`, ending at a word boundary, of at most `budget` tokens (the answer
 * arrives whole, so the cut is made here rather than between streamed chunks).
 */
function cutToBudget(text: string, budget: number, count: TokenCounter): string {
  if (count(text) <= budget) return text;
  const ends = [...text.matchAll(/\s+/g)].map((m) => m.index);
  let low = 0;
  let high = ends.length - 1;
  let best = '';
  while (low <= high) {
    const mid = (low + high) >> 1;
    const prefix = text.slice(0, ends[mid]);
    if (count(prefix) <= budget) {
      best = prefix;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}
