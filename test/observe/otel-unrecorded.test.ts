import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { startInjectionSpan } from '../../src/observe/otel.js';

class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const RESULT = { conversationId: 'c', finishReason: 'stop', inputTokens: 3, outputTokens: 4 } as const;

afterEach(() => {
  trace.disable();
  metrics.disable();
});

describe('startInjectionSpan when nothing records', () => {
  it('hands out a span that records nothing, and ending or failing it is harmless', () => {
    const handle = startInjectionSpan({ assistantId: 'a' });
    expect(handle.span.isRecording()).toBe(false);
    handle.setConversationId('c');
    handle.end(RESULT);
    handle.fail(new Error('late'));
  });

  it('records again from the next injection once the application registers a tracer provider', () => {
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
    );
    const handle = startInjectionSpan({ assistantId: 'a' });
    expect(handle.span.isRecording()).toBe(true);
    handle.end(RESULT);
    expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['chat a']);
  });

  it('records the metrics when only a meter provider is registered', async () => {
    const reader = new TestReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    startInjectionSpan({ assistantId: 'a' }).end(RESULT);
    const { resourceMetrics } = await reader.collect();
    const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names).toContain('gen_ai.client.token.usage');
  });

  it('uses a tracer passed in the options whatever the global providers are', () => {
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    startInjectionSpan({ assistantId: 'a' }, { tracer: provider.getTracer('t') }).end(RESULT);
    expect(spans.getFinishedSpans()).toHaveLength(1);
  });
});
