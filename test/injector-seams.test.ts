import { afterEach, describe, expect, it } from 'vitest';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';
import { ConfigurationError, ValidationError } from '../src/errors.js';
import type { PacedClient, RequestPacer } from '../src/http/request-pacer.js';
import { GenesysPromptInjector } from '../src/injector.js';
import type { AuditAppendFields } from '../src/observe/audit-fields.js';
import type { AuditAppendResult, AuditSink, AuditTrailLine } from '../src/observe/audit-sink.js';
import { FAST, TEMPLATE, startKit, type Kit } from './injector-kit.js';

let kit: Kit | undefined;
afterEach(async () => {
  await kit?.close();
  kit = undefined;
});

/** An audit sink that keeps entries in memory. */
class MemorySink implements AuditSink {
  readonly target = 'memory';
  readonly entries: AuditAppendFields[] = [];
  closed = false;
  async *lines(): AsyncIterable<AuditTrailLine> {}
  async *checkpoints(): AsyncIterable<AuditTrailLine> {}
  async append(fields: AuditAppendFields): Promise<AuditAppendResult> {
    this.entries.push(fields);
    return { seq: this.entries.length, hash: String(this.entries.length).padStart(64, '0') };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A pacer that lets everything through and notes what it was asked. */
class CountingPacer implements RequestPacer {
  acquired = 0;
  readonly pauses: Array<{ durationMs: number; reason: string }> = [];
  closed = 0;
  async acquire(): Promise<void> {
    this.acquired++;
  }
  pause(durationMs: number, reason: string): void {
    this.pauses.push({ durationMs, reason });
  }
  close(): void {
    this.closed++;
  }
}

describe('the injector composes a request pacer', () => {
  it('asks the factory for its client’s pacer, paces every request with it, pauses it on a 429, closes it', async () => {
    const pacer = new CountingPacer();
    const clients: PacedClient[] = [];
    kit = await startKit(
      { faults: { seed: 2, rate429: 0.3, retryAfterSeconds: 0 } },
      {
        maxRetries: 20,
        requestsPerMinute: 120,
        rateLimiter: (client) => {
          clients.push(client);
          return pacer;
        },
      },
    );
    for (let i = 0; i < 4; i++) {
      const result = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { stream: false });
      expect(result.response).toBe(kit.emulator.conversation(result.conversationId)!.text);
    }
    expect(clients).toEqual([
      {
        apiBaseUrl: kit.emulator.baseUrl,
        clientId: kit.emulator.clientId,
        requestsPerMinute: 120,
        requestBurst: undefined,
      },
    ]);
    const stats = kit.emulator.stats();
    expect(stats.injected.rate429).toBeGreaterThan(0);
    expect(pacer.pauses).toHaveLength(stats.injected.rate429);
    expect(pacer.pauses.every((p) => p.durationMs === 0 && p.reason === 'retry-after')).toBe(true);
    // Every REST request, the refused ones included, waited for the pacer first.
    const apiRequests = Object.entries(stats.requestsByRoute)
      .filter(([route]) => route.includes(' /api/'))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(apiRequests).toBeGreaterThan(8);
    expect(pacer.acquired).toBe(apiRequests);
    await kit.injector.close();
    expect(pacer.closed).toBe(1);
  });
});

describe('the injector composes an audit sink', () => {
  it('appends successes and failures to the caller’s sink and leaves closing it to the caller', async () => {
    const sink = new MemorySink();
    kit = await startKit({}, { auditLogPath: undefined, auditSink: sink });
    const result = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    await expect(kit.injector.injectPrompt(' ', TEMPLATE, [])).rejects.toBeInstanceOf(ValidationError);
    await kit.injector.close();
    expect(result.audit).toEqual({ seq: 1, hash: '1'.padStart(64, '0') });
    expect(sink.entries).toEqual([
      {
        conversationId: result.conversationId,
        assistantId: SEED_ASSISTANT_ID,
        promptHash: result.promptHash,
        userId: 'system-automation',
        backend: 'notifications',
      },
      expect.objectContaining({
        conversationId: null,
        complianceStatus: 'FAILED',
        errorCode: 'invalid.input',
      }),
    ]);
    expect(sink.closed).toBe(false);
  });

  it('refuses an audit sink together with an audit file, naming both', () => {
    expect(
      () =>
        new GenesysPromptInjector({
          environment: 'http://127.0.0.1:1',
          clientId: 'id',
          clientSecret: 'secret',
          auditLogPath: 'audit.jsonl',
          auditSink: new MemorySink(),
        }),
    ).toThrow(/auditSink.*auditLogPath/s);
  });
});

describe('the injector picks a response backend by name', () => {
  it('answers through the backend named by the injector or by the call', async () => {
    kit = await startKit({}, { backend: 'polling' });
    const polled = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    expect(polled.response).toBe(kit.emulator.conversation(polled.conversationId)!.text);
    expect(kit.emulator.stats().socketsOpened).toBe(0);

    const chunks: string[] = [];
    for await (const item of kit.injector.streamPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
      backend: 'direct',
    })) {
      if (item.type === 'chunk') chunks.push(item.content);
      else expect(chunks.join('')).toBe(item.result.response);
    }
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('refuses an unknown backend: at construction as configuration, per call as validation', async () => {
    expect(
      () =>
        new GenesysPromptInjector({ ...FAST, environment: 'http://127.0.0.1:1', backend: 'carrier-pigeon' }),
    ).toThrow(ConfigurationError);
    kit = await startKit();
    const error = await kit.injector
      .injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { backend: 'carrier-pigeon' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/backend.*notifications, direct, polling/s);
    expect(kit.emulator.stats().conversationsCreated).toBe(0);
  });
});
