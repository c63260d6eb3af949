/**
 * GenesysPromptInjector: the lifecycle of injections. Its parts (`injector-parts.ts`) are composed
 * once; each injection gets a signal (caller, deadline, `close()`), a prepared request, the answer of
 * its backend, and one record of its outcome — success or failure.
 */
import { AbortError, ValidationError } from './errors.js';
import { GuidesApi } from './guides/guides-api.js';
import { raceAbort } from './timers/race-abort.js';
import { injectionSignal, type InjectionSignal } from './injection-signal.js';
import { resolveInjectorConfig, type InjectorConfig } from './injector-config.js';
import type { InjectOptions, InjectionResult, InjectorOptions, StreamItem } from './injector-options.js';
import { InjectorParts } from './injector-parts.js';
import type { InjectionRecord } from './injector-recorder.js';
import { prepareRequest, type InjectionAsk } from './injector-request.js';
import type { FewShotExample } from './prompt/few-shot.js';
import type { PromptTemplate } from './prompt/template.js';
import type { ResponseOutcome } from './stream/response-backend.js';
import type { StreamTransportStats } from './stream/stream-transport.js';
import { checkDurationMs } from './timers/timer-delay.js';

/** Builds, sends and streams prompts to Genesys Cloud AI Assistant conversations. */
export class GenesysPromptInjector {
  readonly #config: InjectorConfig;
  readonly #parts: InjectorParts;
  readonly #closing = new AbortController();
  /** Each injection in flight: its signal (fired by `close()`) and a promise settled when it ends. */
  readonly #inflight = new Map<InjectionSignal, Promise<void>>();
  #initializing: Promise<void> | undefined;
  #closed: Promise<void> | undefined;
  #guides: GuidesApi | undefined;

  /**
   * The original design's form: `new GenesysPromptInjector(environment, clientId, clientSecret)`.
   * @throws ConfigurationError naming the missing or bad setting
   */
  constructor(environment: string, clientId: string, clientSecret: string);
  /**
   * Options form; each omitted setting falls back to `GENESYS_ENVIRONMENT`, `GENESYS_CLIENT_ID`,
   * `GENESYS_CLIENT_SECRET` and `OBSERVABILITY_ENDPOINT`.
   * @throws ConfigurationError naming the missing or bad setting
   */
  constructor(options?: InjectorOptions);
  constructor(first?: string | InjectorOptions, clientId?: string, clientSecret?: string) {
    const options: InjectorOptions =
      typeof first === 'string' ? { environment: first, clientId, clientSecret } : (first ?? {});
    this.#config = resolveInjectorConfig(options);
    this.#parts = new InjectorParts(options, this.#config);
  }

  /**
   * Opens the audit trail and logs in, so bad credentials fail here rather than on the first prompt.
   * Safe to call more than once; `injectPrompt` calls it when it has not been.
   * @throws AuthenticationError for refused credentials, ConfigurationError for missing ones
   */
  initialize(): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(new AbortError('the injector was closed'));
    this.#initializing ??= this.#parts.open(this.#closing.signal).catch((error: unknown) => {
      this.#initializing = undefined;
      throw error;
    });
    return this.#initializing;
  }

  /**
   * Sends one prompt and resolves with the whole answer (streamed by default).
   * @param assistantId the Genesys AI assistant
   * @param template the prompt template (see `loadTemplate`)
   * @param fewShotExamples candidates; the template's `fewShot` settings choose among them
   * @param options variables, history, signal, idempotency key, `stream: false` to poll instead
   * @throws ValidationError (nothing sent), ApiError subclasses, StreamError, TimeoutError, AbortError
   */
  async injectPrompt(
    assistantId: string,
    template: PromptTemplate,
    fewShotExamples: FewShotExample[] = [],
    options: InjectOptions = {},
  ): Promise<InjectionResult> {
    const ask = { assistantId, template, examples: fewShotExamples, options, wantChunks: false };
    for await (const item of this.#run(ask)) {
      if (item.type === 'result') return item.result;
    }
    throw new AbortError('the injection ended without a result');
  }

  /**
   * Sends one prompt and yields the answer's chunks as they arrive, then exactly one result.
   * Breaking out of the loop, or aborting `options.signal`, stops the stream and releases its
   * subscription; the audit trail records the injection as failed with code `aborted`.
   * @param assistantId the Genesys AI assistant
   * @param template the prompt template
   * @param fewShotExamples candidates for the few-shot block
   * @param options as for `injectPrompt`
   */
  streamPrompt(
    assistantId: string,
    template: PromptTemplate,
    fewShotExamples: FewShotExample[] = [],
    options: InjectOptions = {},
  ): AsyncGenerator<StreamItem, void, undefined> {
    return this.#run({ assistantId, template, examples: fewShotExamples, options, wantChunks: true });
  }

  /**
   * The AI Studio Guides endpoints (find, create, version, publish, turns) over this injector's REST
   * pipeline: the same login, pacing, retries and typed errors as its injections. Pass it to
   * `deployGuide` to deploy templates as guides.
   */
  guides(): GuidesApi {
    this.#guides ??= new GuidesApi(this.#parts.rest);
    return this.#guides;
  }

  /** Counters of the default backend's sockets (channels, reconnects), for monitoring and tests. */
  streamStats(): StreamTransportStats {
    return this.#parts.backends.stats();
  }

  /**
   * Ends every injection in flight (they reject with `AbortError`, audited as failed), then every
   * socket, timer, subscription and keep-alive connection; flushes telemetry and the audit trail.
   * Afterwards the event loop holds nothing of this injector. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing.abort();
    for (const sig of this.#inflight.keys()) sig.abort();
    await Promise.allSettled([...this.#inflight.values()]);
    await this.#initializing?.catch(() => undefined);
    await this.#parts.close();
  }

  /** One injection, from its signal to its record; yields chunks only when `ask.wantChunks`. */
  async *#run(ask: InjectionAsk): AsyncGenerator<StreamItem, void, undefined> {
    const startedAt = performance.now();
    const { assistantId, template, options } = ask;
    const sig = injectionSignal(options.signal, options.deadlineMs ?? this.#config.deadlineMs);
    if (this.#closing.signal.aborted) sig.abort();
    let done!: () => void;
    this.#inflight.set(sig, new Promise<void>((resolve) => (done = resolve)));
    const { recorder, backends } = this.#parts;
    let record: InjectionRecord | undefined;
    let settled = false;
    try {
      const { label, backend } = backends.select(options);
      const opened = (record = recorder.begin(assistantId, template, label));
      checkDurationMs('deadlineMs', options.deadlineMs);
      await raceAbort(this.initialize(), sig.signal);
      if (typeof assistantId !== 'string' || assistantId.trim() === '') {
        throw new ValidationError('assistantId', 'is empty', 'pass the id of a Genesys AI assistant');
      }
      const request = prepareRequest(ask, this.#config.tokenizer, sig, (p) => opened.prepared(p));
      const answer = backend.respond(request);
      let conversationId = '';
      let injectionLatencyMs = 0;
      let outcome: ResponseOutcome | undefined;
      try {
        while (outcome === undefined) {
          const step = await answer.next();
          if (step.done) outcome = step.value;
          else if (step.value.type === 'accepted') {
            conversationId = step.value.conversationId;
            opened.accepted(conversationId, step.value.retries, step.value.targetVersion);
            injectionLatencyMs = performance.now() - startedAt;
          } else {
            const { sequence, content } = step.value;
            yield { type: 'chunk', conversationId, sequence, content };
          }
        }
      } finally {
        // The consumer stopped early: let the backend release its subscription.
        if (outcome === undefined) await answer.return(undefined as never);
      }
      const { idempotencyKey, promptTokens } = request;
      const result = await opened.succeed(outcome, { promptTokens, idempotencyKey, injectionLatencyMs });
      settled = true;
      yield { type: 'result', result };
    } catch (error) {
      settled = true;
      const failure = sig.signal.aborted && error instanceof AbortError ? sig.reason() : error;
      await (record ?? recorder.begin(assistantId, template, this.#config.backend)).fail(failure);
      throw failure;
    } finally {
      sig.dispose();
      if (!settled) await record?.fail(new AbortError('the caller stopped reading the stream'));
      this.#inflight.delete(sig);
      done();
    }
  }
}
