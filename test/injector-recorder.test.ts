import { describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';
import { StreamError } from '../src/errors.js';
import { InjectionRecorder } from '../src/injector-recorder.js';
import { silentLogger } from '../src/logger.js';
import type { AuditAppendFields } from '../src/observe/audit-fields.js';
import type { AuditSink, AuditTrailLine } from '../src/observe/audit-sink.js';
import { TelemetryExporter, type TelemetryPayload } from '../src/observe/telemetry-exporter.js';
import { preparePrompt } from '../src/prompt/prepare-prompt.js';
import { TEMPLATE } from './injector-kit.js';

function recorderKit() {
  const entries: AuditAppendFields[] = [];
  const none = async function* (): AsyncIterable<AuditTrailLine> {};
  const sink: AuditSink = {
    target: 'memory',
    lines: none,
    checkpoints: none,
    append: async (fields) => {
      entries.push(fields);
      return { seq: entries.length, hash: 'f'.repeat(64) };
    },
    close: async () => {},
  };
  const sent: TelemetryPayload[] = [];
  const telemetry = new TelemetryExporter({
    endpoint: 'http://127.0.0.1:1/telemetry',
    batchSize: 1,
    fetch: async (_url, init) => {
      sent.push(...(JSON.parse(String(init.body)) as TelemetryPayload[]));
      return new Response(null, { status: 204 });
    },
  });
  const options = {
    audit: () => sink,
    telemetry,
    logger: silentLogger,
    userId: 'tester',
    server: { address: '127.0.0.1', port: 8787 },
    openTelemetry: {},
  };
  return { recorder: new InjectionRecorder(options), entries, sent, telemetry };
}

describe('InjectionRecorder', () => {
  it('turns a backend outcome into the result, with its details, one audit entry (backend and target version) and one telemetry record', async () => {
    const { recorder, entries, sent, telemetry } = recorderKit();
    const record = recorder.begin(SEED_ASSISTANT_ID, TEMPLATE, 'guides');
    const hash = record.prepared(preparePrompt(TEMPLATE, SEED_ASSISTANT_ID));
    record.accepted('session-1', 2, '3');
    const result = await record.succeed(
      {
        conversationId: 'session-1',
        text: 'Refunds within 30 days.',
        finishReason: 'stop',
        truncated: false,
        usage: { promptTokens: 40, completionTokens: 6 },
        safetyPolicyTriggered: false,
        malformedFrames: 0,
        timeToFirstChunkMs: 5,
        streamDurationMs: 0,
        details: { status: 'COMPLETED', result: 'SUCCESSFUL_COLLECTION' },
      },
      { promptTokens: 40, idempotencyKey: 'key-1', injectionLatencyMs: 20 },
    );
    await telemetry.close();
    expect(result).toMatchObject({
      conversationId: 'session-1',
      response: 'Refunds within 30 days.',
      promptHash: hash,
      retries: 2,
      timeToFirstChunkMs: 25,
      audit: { seq: 1, hash: 'f'.repeat(64) },
      details: { status: 'COMPLETED', result: 'SUCCESSFUL_COLLECTION' },
    });
    expect(entries).toEqual([
      {
        conversationId: 'session-1',
        assistantId: SEED_ASSISTANT_ID,
        promptHash: hash,
        userId: 'tester',
        backend: 'guides',
        targetVersion: '3',
      },
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ conversationId: 'session-1', transport: 'guides', retries: 2 });
  });

  it('audits a failure with the error code and what was known when it happened', async () => {
    const { recorder, entries, telemetry } = recorderKit();
    const record = recorder.begin(SEED_ASSISTANT_ID, TEMPLATE, 'notifications');
    const hash = record.prepared(preparePrompt(TEMPLATE, SEED_ASSISTANT_ID));
    record.accepted('conv-9', 0);
    await record.fail(new StreamError('the assistant failed', { code: 'conversation.failed' }));
    await telemetry.close();
    expect(entries).toEqual([
      {
        conversationId: 'conv-9',
        assistantId: SEED_ASSISTANT_ID,
        promptHash: hash,
        userId: 'tester',
        complianceStatus: 'FAILED',
        errorCode: 'conversation.failed',
        backend: 'notifications',
      },
    ]);
  });
});
