/**
 * The response backends of one injector: each made on first use from the registry, chosen per call
 * (`backend`, or `stream: false` for the polling alternative of a socket backend), closed together.
 */
import { AbortError, ValidationError } from './errors.js';
import type { InjectOptions } from './injector-options.js';
import type {
  ResponseBackend,
  ResponseBackendContext,
  ResponseBackendFactory,
} from './stream/response-backend.js';
import { emptyTransportStats, type StreamTransportStats } from './stream/stream-transport.js';

/** The backend one call uses, and the name its telemetry reports. */
export interface SelectedBackend {
  /** The backend the caller chose (before `stream: false` swapped in polling), as the original design reported it. */
  label: string;
  backend: ResponseBackend<InjectOptions>;
}

/** Backends by name, made on first use. */
export class BackendPool {
  readonly #context: ResponseBackendContext;
  readonly #registry: readonly ResponseBackendFactory<InjectOptions>[];
  readonly #defaultName: string;
  readonly #made = new Map<string, ResponseBackend<InjectOptions>>();
  #closed = false;

  /**
   * @param context what each backend is created with
   * @param registry the backends that may be chosen (the injector passes `RESPONSE_BACKENDS`)
   * @param defaultName the backend of calls that name none (a registered name)
   */
  constructor(
    context: ResponseBackendContext,
    registry: readonly ResponseBackendFactory<InjectOptions>[],
    defaultName: string,
  ) {
    this.#context = context;
    this.#registry = registry;
    this.#defaultName = defaultName;
    this.#get(defaultName);
  }

  /**
   * The backend of one call.
   * @param options the call's `backend` and `stream`
   * @throws ValidationError for an unknown backend name
   */
  select(options: InjectOptions): SelectedBackend {
    const label = options.backend ?? this.#defaultName;
    const factory = this.#factory(label);
    const name = options.stream === false ? (factory.whenNotStreaming ?? label) : label;
    return { label, backend: this.#get(name) };
  }

  /** Socket counters of the default backend (zeros for one without sockets). */
  stats(): StreamTransportStats {
    return this.#made.get(this.#defaultName)?.stats?.() ?? emptyTransportStats();
  }

  /** Closes every backend made. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#made.values()].map((backend) => backend.close()));
  }

  #get(name: string): ResponseBackend<InjectOptions> {
    let backend = this.#made.get(name);
    if (backend === undefined) {
      if (this.#closed) throw new AbortError('the injector was closed');
      backend = this.#factory(name).create(this.#context);
      this.#made.set(name, backend);
    }
    return backend;
  }

  #factory(name: string): ResponseBackendFactory<InjectOptions> {
    const factory = this.#registry.find((candidate) => candidate.name === name);
    if (factory !== undefined) return factory;
    const names = this.#registry.map((candidate) => candidate.name).join(', ');
    throw new ValidationError('backend', `unknown backend "${name}"`, `use one of ${names}`);
  }
}
