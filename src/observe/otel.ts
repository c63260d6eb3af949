/**
 * OpenTelemetry spans and metrics of an injection, through `@opentelemetry/api` only: without an SDK
 * registered by the application they cost next to nothing. Names follow the OpenTelemetry GenAI
 * semantic conventions (client inference span `chat {model}`, `gen_ai.*` attributes and metrics).
 */
import {
  createNoopMeter,
  INVALID_SPAN_CONTEXT,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Histogram,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { StreamFinishReason } from '../stream/stream-outcome.js';

/** Instrumentation scope name of the tracer and meter. */
export const INSTRUMENTATION_NAME = 'genesys-prompt-injector';

/** `gen_ai.provider.name` (and the older `gen_ai.system`) of every span and metric. */
export const GEN_AI_PROVIDER = 'genesys_cloud';

// Bucket boundaries the GenAI conventions recommend for the two client histograms.
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** What is known when an injection starts. */
export interface InjectionSpanAttributes {
  /** The assistant, reported as `gen_ai.request.model` (Genesys hides the model behind it). */
  assistantId: string;
  maxTokens?: number;
  temperature?: number;
  /** API host and port (`server.address`, `server.port`). */
  serverAddress?: string;
  serverPort?: number;
  /** The backend that answered (`notifications`, `direct`, ...). */
  transport?: string;
}

/** What is known when an injection succeeds. */
export interface InjectionSpanResult {
  conversationId: string;
  finishReason: StreamFinishReason;
  inputTokens: number;
  outputTokens: number;
  timeToFirstChunkMs?: number;
  retries?: number;
  truncated?: boolean;
}

/** One injection's span and metrics; finish it exactly once with `end` or `fail` (later calls are ignored). */
export interface InjectionSpan {
  /** The underlying span, to parent other spans on it. */
  readonly span: Span;
  /** Records the conversation id as soon as the create call answers. */
  setConversationId(conversationId: string): void;
  /** Ends the span as a success and records the metrics. */
  end(result: InjectionSpanResult): void;
  /** Ends the span as a failure (`error.type` = the error's class name) and records the duration. */
  fail(error: unknown, partial?: { retries?: number }): void;
}

/** Where the span and metrics go (the global providers by default). */
export interface InjectionTelemetryOptions {
  tracer?: Tracer;
  meter?: Meter;
}

interface Instruments {
  tokenUsage: Histogram;
  duration: Histogram;
  timeToFirstChunk: Histogram;
  retries: Histogram;
}

const instrumentsByMeter = new WeakMap<Meter, Instruments>();

function instrumentsOf(meter: Meter): Instruments {
  let instruments = instrumentsByMeter.get(meter);
  if (!instruments) {
    instruments = {
      tokenUsage: meter.createHistogram('gen_ai.client.token.usage', {
        description: 'Number of input and output tokens used',
        unit: '{token}',
        advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
      }),
      duration: meter.createHistogram('gen_ai.client.operation.duration', {
        description: 'GenAI operation duration',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      timeToFirstChunk: meter.createHistogram('gen_ai.client.operation.time_to_first_chunk', {
        description: 'Time to receive the first chunk of a streamed answer',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      }),
      retries: meter.createHistogram('genesys_prompt.injection.retries', {
        description: 'Retries an injection needed',
        unit: '{retry}',
        advice: { explicitBucketBoundaries: [0, 1, 2, 3, 5, 8] },
      }),
    };
    instrumentsByMeter.set(meter, instruments);
  }
  return instruments;
}

// What the API hands out while no SDK is registered: a proxy with no delegate, the no-op meter.
const NOOP_TRACER_PROVIDER = new ProxyTracerProvider().getDelegate();
const NOOP_METER = createNoopMeter();

/** The handle of an injection that nothing would record. */
const UNRECORDED: InjectionSpan = {
  span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  setConversationId: () => undefined,
  end: () => undefined,
  fail: () => undefined,
};

/**
 * True when no tracer or meter is given and the application registered no global provider: the
 * span and metric points would be dropped, so their attributes are not even built. Checked per
 * injection, so a provider registered later is used from the next injection on.
 */
function nothingRecords(options: InjectionTelemetryOptions): boolean {
  if (options.tracer !== undefined || options.meter !== undefined) return false;
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_TRACER_PROVIDER)
    return false;
  return metrics.getMeter(INSTRUMENTATION_NAME) === NOOP_METER;
}

/** The low-cardinality `error.type` of a failure: the error's class name. */
export function errorType(error: unknown): string {
  return error instanceof Error && error.name ? error.name : '_OTHER';
}

/**
 * Starts the client span of one injection (`chat {assistantId}`, kind CLIENT) and returns the handle
 * that ends it and records `gen_ai.client.token.usage`, `gen_ai.client.operation.duration`,
 * `gen_ai.client.operation.time_to_first_chunk` and `genesys_prompt.injection.retries`.
 */
export function startInjectionSpan(
  attrs: InjectionSpanAttributes,
  options: InjectionTelemetryOptions = {},
): InjectionSpan {
  if (nothingRecords(options)) return UNRECORDED;
  const tracer = options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME);
  const meter = options.meter ?? metrics.getMeter(INSTRUMENTATION_NAME);
  const started = performance.now();
  // Attributes shared by the span and every metric point, as the conventions require.
  const common: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': GEN_AI_PROVIDER,
    'gen_ai.request.model': attrs.assistantId,
    ...(attrs.serverAddress === undefined ? {} : { 'server.address': attrs.serverAddress }),
    ...(attrs.serverPort === undefined ? {} : { 'server.port': attrs.serverPort }),
  };
  const span = tracer.startSpan(`chat ${attrs.assistantId}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      ...common,
      // Deprecated name of gen_ai.provider.name, still what many back ends group by.
      'gen_ai.system': GEN_AI_PROVIDER,
      ...(attrs.maxTokens === undefined ? {} : { 'gen_ai.request.max_tokens': attrs.maxTokens }),
      ...(attrs.temperature === undefined ? {} : { 'gen_ai.request.temperature': attrs.temperature }),
      ...(attrs.transport === undefined ? {} : { 'genesys_prompt.transport': attrs.transport }),
    },
  });
  let finished = false;
  const seconds = (): number => (performance.now() - started) / 1000;

  const setConversationId = (conversationId: string): void => {
    span.setAttributes({ 'gen_ai.response.id': conversationId, 'gen_ai.conversation.id': conversationId });
  };

  return {
    span,
    setConversationId,
    end(result) {
      if (finished) return;
      finished = true;
      const instruments = instrumentsOf(meter);
      setConversationId(result.conversationId);
      span.setAttributes({
        'gen_ai.response.finish_reasons': [result.finishReason],
        'gen_ai.usage.input_tokens': result.inputTokens,
        'gen_ai.usage.output_tokens': result.outputTokens,
        ...(result.retries === undefined ? {} : { 'genesys_prompt.retries': result.retries }),
        ...(result.truncated === undefined ? {} : { 'genesys_prompt.truncated': result.truncated }),
      });
      instruments.tokenUsage.record(result.inputTokens, { ...common, 'gen_ai.token.type': 'input' });
      instruments.tokenUsage.record(result.outputTokens, { ...common, 'gen_ai.token.type': 'output' });
      instruments.duration.record(seconds(), common);
      if (result.timeToFirstChunkMs !== undefined) {
        instruments.timeToFirstChunk.record(result.timeToFirstChunkMs / 1000, common);
      }
      instruments.retries.record(result.retries ?? 0, common);
      span.end();
    },
    fail(error, partial = {}) {
      if (finished) return;
      finished = true;
      const instruments = instrumentsOf(meter);
      const type = errorType(error);
      span.setAttribute('error.type', type);
      if (error instanceof Error) span.recordException(error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      if (partial.retries !== undefined) span.setAttribute('genesys_prompt.retries', partial.retries);
      instruments.duration.record(seconds(), { ...common, 'error.type': type });
      instruments.retries.record(partial.retries ?? 0, { ...common, 'error.type': type });
      span.end();
    },
  };
}
