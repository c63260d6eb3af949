import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitError } from '../../src/errors.js';
import { startInjectionSpan } from '../../src/observe/otel.js';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
let reader: TestReader;
let meterProvider: MeterProvider;

beforeAll(() => {
  trace.setGlobalTracerProvider(tracerProvider);
});
afterAll(async () => {
  trace.disable();
  metrics.disable();
  await tracerProvider.shutdown();
});

afterEach(async () => {
  spans.reset();
  metrics.disable();
  await meterProvider.shutdown();
});

/** A fresh meter provider per test, so metric points do not accumulate across tests. */
function registerMeter(): void {
  reader = new TestReader();
  meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
}

async function histograms(): Promise<Map<string, HistogramMetricData>> {
  const { resourceMetrics } = await reader.collect();
  const found = new Map<string, HistogramMetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.dataPointType === DataPointType.HISTOGRAM) found.set(metric.descriptor.name, metric);
    }
  }
  return found;
}

describe('startInjectionSpan', () => {
  it('emits a GenAI client span with request and response attributes', async () => {
    registerMeter();
    const injection = startInjectionSpan({
      assistantId: 'assistant-1',
      maxTokens: 512,
      temperature: 0.2,
      serverAddress: '127.0.0.1',
      serverPort: 8787,
      transport: 'notifications',
    });
    injection.setConversationId('conv-1');
    injection.end({
      conversationId: 'conv-1',
      finishReason: 'stop',
      inputTokens: 120,
      outputTokens: 45,
      timeToFirstChunkMs: 250,
      retries: 1,
      truncated: false,
    });
    injection.end({ conversationId: 'again', finishReason: 'length', inputTokens: 1, outputTokens: 1 });

    const [span, ...others] = spans.getFinishedSpans();
    expect(others).toHaveLength(0);
    expect(span!.name).toBe('chat assistant-1');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.instrumentationScope.name).toBe('genesys-prompt-injector');
    expect(span!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'genesys_cloud',
      'gen_ai.system': 'genesys_cloud',
      'gen_ai.request.model': 'assistant-1',
      'gen_ai.request.max_tokens': 512,
      'gen_ai.request.temperature': 0.2,
      'server.address': '127.0.0.1',
      'server.port': 8787,
      'genesys_prompt.transport': 'notifications',
      'gen_ai.response.id': 'conv-1',
      'gen_ai.conversation.id': 'conv-1',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 45,
      'genesys_prompt.retries': 1,
      'genesys_prompt.truncated': false,
    });

    const found = await histograms();
    const tokenPoints = found.get('gen_ai.client.token.usage')!.dataPoints;
    expect(found.get('gen_ai.client.token.usage')!.descriptor.unit).toBe('{token}');
    const byType = Object.fromEntries(
      tokenPoints.map((p) => [p.attributes['gen_ai.token.type'], p.value.sum]),
    );
    expect(byType).toEqual({ input: 120, output: 45 });
    expect(tokenPoints[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'genesys_cloud',
      'gen_ai.request.model': 'assistant-1',
    });
    const duration = found.get('gen_ai.client.operation.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints[0]!.value.count).toBe(1);
    expect(duration.dataPoints[0]!.attributes).not.toHaveProperty('error.type');
    expect(found.get('gen_ai.client.operation.time_to_first_chunk')!.dataPoints[0]!.value.sum).toBeCloseTo(
      0.25,
    );
    expect(found.get('genesys_prompt.injection.retries')!.dataPoints[0]!.value.sum).toBe(1);
  });

  it('marks a failure with error status and error.type, on the span and the duration metric', async () => {
    registerMeter();
    const injection = startInjectionSpan({ assistantId: 'assistant-2' });
    injection.fail(
      new RateLimitError('rate limited out after 5 retries; lower requestsPerMinute', {
        status: 429,
        code: 'too.many.requests.retry.after',
      }),
      { retries: 5 },
    );
    injection.end({ conversationId: 'x', finishReason: 'stop', inputTokens: 1, outputTokens: 1 });

    const [span, ...others] = spans.getFinishedSpans();
    expect(others).toHaveLength(0);
    expect(span!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'rate limited out after 5 retries; lower requestsPerMinute',
    });
    expect(span!.attributes['error.type']).toBe('RateLimitError');
    expect(span!.attributes['genesys_prompt.retries']).toBe(5);
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
    const found = await histograms();
    expect(found.get('gen_ai.client.operation.duration')!.dataPoints[0]!.attributes['error.type']).toBe(
      'RateLimitError',
    );
    expect(found.has('gen_ai.client.token.usage')).toBe(false);
  });

  it('reports a thrown non-Error as _OTHER', () => {
    registerMeter();
    startInjectionSpan({ assistantId: 'a' }).fail('boom');
    expect(spans.getFinishedSpans()[0]!.attributes['error.type']).toBe('_OTHER');
  });
});
