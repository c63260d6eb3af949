import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  exportTelemetry,
  TelemetryExporter,
  telemetryPayloadFromResult,
  type TelemetryPayload,
} from '../../src/observe/telemetry-exporter.js';

const payload = (i: number): TelemetryPayload => ({
  conversationId: `conv-${i}`,
  assistantId: 'assistant-1',
  injectionLatencyMs: 12,
  tokensConsumed: 30,
  timestamp: '2025-01-01T00:00:00.000Z',
  safetyPolicyTriggered: false,
  timeToFirstChunkMs: 40,
  streamDurationMs: 100,
  tokensPerSecond: 200,
  promptTokens: 10,
  retries: 0,
  truncated: false,
  finishReason: 'stop',
  transport: 'notifications',
});

interface Collector {
  url: string;
  bodies: unknown[];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A loopback webhook; `respond` decides the answer (or never answers). */
async function startCollector(
  respond: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end(),
): Promise<Collector> {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(text));
      respond(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telemetry`, bodies, server };
}

const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('exportTelemetry', () => {
  it('POSTs the payload as JSON to the given endpoint', async () => {
    const collector = await startCollector();
    expect(await exportTelemetry(payload(1), { endpoint: collector.url })).toEqual({ sent: true });
    expect(collector.bodies).toEqual([payload(1)]);
  });

  it('uses OBSERVABILITY_ENDPOINT when no endpoint is given', async () => {
    const collector = await startCollector();
    vi.stubEnv('OBSERVABILITY_ENDPOINT', collector.url);
    expect(await exportTelemetry(payload(2))).toEqual({ sent: true });
    expect(collector.bodies).toHaveLength(1);
  });

  it('is off without an endpoint: nothing is sent', async () => {
    vi.stubEnv('OBSERVABILITY_ENDPOINT', '');
    const fetchSpy = vi.fn<typeof fetch>();
    expect(await exportTelemetry(payload(1), { fetch: fetchSpy })).toEqual({ sent: false });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('never throws: refused connection, error status, timeout', async () => {
    const failing = await startCollector((_q, res) => {
      res.statusCode = 500;
      res.end();
    });
    const hanging = await startCollector(() => {});
    const closed = await startCollector();
    closed.server.close();
    await new Promise((r) => setImmediate(r));
    expect(await exportTelemetry(payload(1), { endpoint: failing.url })).toEqual({ sent: false });
    expect(await exportTelemetry(payload(1), { endpoint: hanging.url, timeoutMs: 50 })).toEqual({
      sent: false,
    });
    expect(await exportTelemetry(payload(1), { endpoint: closed.url })).toEqual({ sent: false });
    expect(await exportTelemetry(payload(1), { endpoint: 'not a url' })).toEqual({ sent: false });
  });
});

describe('TelemetryExporter', () => {
  it('sends full batches at once as JSON arrays and the rest on close', async () => {
    const collector = await startCollector();
    const exporter = new TelemetryExporter({
      endpoint: collector.url,
      batchSize: 3,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 7; i++) exporter.record(payload(i));
    await vi.waitFor(() => expect(collector.bodies).toHaveLength(2));
    expect(await exporter.close()).toEqual({ sent: 7, dropped: 0, failed: 0, queued: 0 });
    expect(collector.bodies.map((b) => (b as TelemetryPayload[]).map((p) => p.conversationId))).toEqual([
      ['conv-0', 'conv-1', 'conv-2'],
      ['conv-3', 'conv-4', 'conv-5'],
      ['conv-6'],
    ]);
  });

  it('sends a partial batch after the flush interval', async () => {
    const collector = await startCollector();
    const exporter = new TelemetryExporter({ endpoint: collector.url, batchSize: 50, flushIntervalMs: 20 });
    exporter.record(payload(1));
    exporter.record(payload(2));
    await vi.waitFor(() => expect(collector.bodies).toEqual([[payload(1), payload(2)]]));
    expect((await exporter.close()).sent).toBe(2);
  });

  it('bounds its queue when the endpoint hangs, counts every drop, and never throws', async () => {
    const collector = await startCollector(() => {}); // never answers
    const warn = vi.fn();
    const exporter = new TelemetryExporter({
      endpoint: collector.url,
      batchSize: 2,
      maxQueue: 5,
      timeoutMs: 60_000,
      flushIntervalMs: 60_000,
      logger: { debug() {}, info() {}, warn, error() {} },
    });
    for (let i = 0; i < 2; i++) exporter.record(payload(i));
    await vi.waitFor(() => expect(collector.bodies).toHaveLength(1)); // first batch stuck in flight
    for (let i = 2; i < 12; i++) expect(() => exporter.record(payload(i))).not.toThrow();
    expect(exporter.stats()).toEqual({ sent: 0, dropped: 5, failed: 0, queued: 5 });
    expect(warn).toHaveBeenCalledTimes(1);

    const started = Date.now();
    const final = await exporter.close(50);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(final).toEqual({ sent: 0, dropped: 10, failed: 2, queued: 0 });
    exporter.record(payload(99));
    expect(exporter.stats().dropped).toBe(11);
  });

  it('counts failed POSTs (error status or refused connection) without throwing', async () => {
    const failing = await startCollector((_q, res) => {
      res.statusCode = 503;
      res.end();
    });
    const exporter = new TelemetryExporter({ endpoint: failing.url, batchSize: 2, flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) exporter.record(payload(i));
    expect(await exporter.close()).toEqual({ sent: 0, dropped: 0, failed: 3, queued: 0 });

    const refused = new TelemetryExporter({ endpoint: 'http://127.0.0.1:1/x', flushIntervalMs: 60_000 });
    refused.record(payload(1));
    expect(await refused.close()).toMatchObject({ failed: 1 });
  });

  it('is off without an endpoint: records nothing, starts no timer, calls nothing', async () => {
    vi.stubEnv('OBSERVABILITY_ENDPOINT', '');
    const fetchSpy = vi.fn<typeof fetch>();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const exporter = new TelemetryExporter({ fetch: fetchSpy, flushIntervalMs: 1 });
    exporter.record(payload(1));
    expect(exporter.enabled).toBe(false);
    expect(setIntervalSpy).not.toHaveBeenCalled();
    setIntervalSpy.mockRestore();
    expect(await exporter.close()).toEqual({ sent: 0, dropped: 0, failed: 0, queued: 0 });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('uses OBSERVABILITY_ENDPOINT by default', async () => {
    const collector = await startCollector();
    vi.stubEnv('OBSERVABILITY_ENDPOINT', collector.url);
    const exporter = new TelemetryExporter({ flushIntervalMs: 60_000 });
    exporter.record(payload(1));
    expect(await exporter.close()).toMatchObject({ sent: 1 });
  });

  it('unrefs its interval and clears it on close: no timer left behind', async () => {
    const collector = await startCollector();
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const clearIntervalSpy = vi.spyOn(globalThis, 'clearInterval');
    const before = timeouts();
    const exporter = new TelemetryExporter({ endpoint: collector.url, flushIntervalMs: 10_000 });
    exporter.record(payload(1));
    expect(setIntervalSpy).toHaveBeenCalledTimes(1);
    const timer = setIntervalSpy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await exporter.close();
    expect(clearIntervalSpy).toHaveBeenCalledWith(timer);
    // At most as many as before: an earlier test's timer (a socket's, fetch's) may end meanwhile.
    expect(timeouts()).toBeLessThanOrEqual(before);
    setIntervalSpy.mockRestore();
    clearIntervalSpy.mockRestore();
  });
});

describe('telemetryPayloadFromResult', () => {
  it('derives tokens consumed and tokens per second from an injection result', () => {
    const result = {
      conversationId: 'conv-1',
      response: 'text',
      finishReason: 'budget' as const,
      truncated: true,
      usage: { promptTokens: 100, completionTokens: 50 },
      safetyPolicyTriggered: false,
      promptTokens: 98,
      promptHash: 'f'.repeat(64),
      idempotencyKey: 'k',
      injectionLatencyMs: 30,
      timeToFirstChunkMs: 80,
      streamDurationMs: 500,
      retries: 2,
      malformedFrames: 0,
      audit: undefined,
    };
    expect(
      telemetryPayloadFromResult(result, { assistantId: 'a', transport: 'direct', timestamp: new Date(0) }),
    ).toEqual({
      conversationId: 'conv-1',
      assistantId: 'a',
      injectionLatencyMs: 30,
      tokensConsumed: 150,
      timestamp: '1970-01-01T00:00:00.000Z',
      safetyPolicyTriggered: false,
      timeToFirstChunkMs: 80,
      streamDurationMs: 500,
      tokensPerSecond: 100,
      promptTokens: 98,
      retries: 2,
      truncated: true,
      finishReason: 'budget',
      transport: 'direct',
    });
    const unstreamed = telemetryPayloadFromResult(
      { ...result, timeToFirstChunkMs: undefined, streamDurationMs: 0 },
      { assistantId: 'a', transport: 'direct' },
    );
    expect(unstreamed.tokensPerSecond).toBe(0);
    expect(unstreamed).not.toHaveProperty('timeToFirstChunkMs');
  });
});
