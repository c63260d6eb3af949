/**
 * GenesysPromptInjector: the lifecycle of injections. Its parts (`injector-parts.ts`) are composed
 * once; each injection gets a signal (caller, deadline, `close()`), a prepared request, the answer of
 * its backend, and one record of its outcome — success or failure.
 */
import { AbortError } from './errors.js';
import { GuidesApi } from './guides/guides-api.js';
import type { InjectionSignal } from './injection-signal.js';
import { InjectionRun, type InjectionRunContext } from './injection-run.js';
import { ChunkFeed } from './injector-chunk-feed.js';
import { resolveInjectorConfig, type InjectorConfig } from './injector-config.js';
import type { InjectOptions, InjectionResult, InjectorOptions, StreamItem } from './injector-options.js';
import { InjectorParts } from './injector-parts.js';
import type { InjectionAsk } from './injector-request.js';
import type { FewShotExample } from './prompt/few-shot.js';
import type { PromptTemplate } from './prompt/template.js';
import type { StreamTransportStats } from './stream/stream-transport.js';
import { DeadlineQueue } from './timers/deadline-queue.js';

/** Builds, sends and streams prompts to Genesys Cloud AI Assistant conversations. */
export class GenesysPromptInjector {
  readonly #config: InjectorConfig;
  readonly #parts: InjectorParts;
  readonly #closing = new AbortController();
  /** The signal of each injection in flight (`close()` fires them). */
  readonly #inflight = new Set<InjectionSignal>();
  /** Set by `close()` while it waits for the injections in flight to end. */
  #allEnded: (() => void) | undefined;
  /** The deadlines of the injections in flight. */
  readonly #deadlines = new DeadlineQueue();
  #initializing: Promise<void> | undefined;
  /** `initialize()` has succeeded: an injection need not wait for it. */
  #ready = false;
  readonly #runContext: InjectionRunContext;
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
    this.#runContext = {
      config: this.#config,
      parts: this.#parts,
      deadlines: this.#deadlines,
      closing: this.#closing.signal,
      ready: () => this.#ready,
      initialize: () => this.initialize(),
    };
  }

  /**
   * Opens the audit trail and logs in, so bad credentials fail here rather than on the first prompt.
   * Safe to call more than once; `injectPrompt` calls it when it has not been.
   * @throws AuthenticationError for refused credentials, ConfigurationError for missing ones
   */
  initialize(): Promise<void> {
    if (this.#closing.signal.aborted) return Promise.reject(new AbortError('the injector was closed'));
    this.#initializing ??= this.#parts.open(this.#closing.signal).then(
      () => {
        this.#ready = true;
      },
      (error: unknown) => {
        this.#initializing = undefined;
        throw error;
      },
    );
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
  injectPrompt(
    assistantId: string,
    template: PromptTemplate,
    fewShotExamples: FewShotExample[] = [],
    options: InjectOptions = {},
  ): Promise<InjectionResult> {
    return this.#execute({ assistantId, template, examples: fewShotExamples, options, wantChunks: false });
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
    return this.#stream({ assistantId, template, examples: fewShotExamples, options, wantChunks: true });
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
    if (this.#inflight.size > 0) {
      const ended = new Promise<void>((resolve) => (this.#allEnded = resolve));
      for (const sig of this.#inflight) sig.abort();
      await ended;
    }
    await this.#initializing?.catch(() => undefined);
    await this.#parts.close();
  }

  /**
   * One streamed injection: its chunks as they come, then its result. Stopping early (`break`) aborts
   * it, and it is audited as failed once its backend has let go.
   */
  async *#stream(ask: InjectionAsk): AsyncGenerator<StreamItem, void, undefined> {
    const feed = new ChunkFeed();
    const running = this.#execute(ask, feed);
    // Handled where it is awaited below; this keeps a failure while the caller reads a chunk handled.
    running.catch(ignore);
    let ended = false;
    try {
      for (let item = await feed.next(); item !== undefined; item = await feed.next()) yield item;
      const result = await running;
      ended = true;
      yield { type: 'result', result };
    } finally {
      if (!ended) {
        feed.stop();
        await running.catch(ignore);
      }
    }
  }

  /**
   * One injection, from its signal to its record (the state is the run's: this frame, suspended for
   * the whole answer, stays small).
   * @param ask what the caller asked for
   * @param feed where its chunks go, when it streams
   */
  async #execute(ask: InjectionAsk, feed?: ChunkFeed): Promise<InjectionResult> {
    const run = new InjectionRun(ask, feed, this.#runContext);
    this.#inflight.add(run.signal);
    try {
      return await run.finish(await run.start());
    } catch (error) {
      throw await run.fail(error);
    } finally {
      run.end();
      this.#inflight.delete(run.signal);
      if (this.#inflight.size === 0) this.#allEnded?.();
    }
  }
}

const ignore = (): void => undefined;
