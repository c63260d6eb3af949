import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  MissingVariablesError,
  PermissionDeniedError,
  ValidationError,
} from '../src/errors.js';
import { GenesysPromptInjector } from '../src/injector.js';
import { verifyAuditLog } from '../src/observe/audit-verify.js';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { FAST, TEMPLATE, handleCounts, startKit, tempDir, type Kit } from './injector-kit.js';

let kit: Kit | undefined;
let extra: Emulator | undefined;
afterEach(async () => {
  await kit?.close();
  await extra?.close();
  kit = undefined;
  extra = undefined;
});

const auditLines = (path: string): Array<Record<string, unknown>> =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('GenesysPromptInjector', () => {
  it('streams the exact server text and audits the injection once', async () => {
    kit = await startKit();
    const result = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    const server = kit.emulator.conversation(result.conversationId)!;
    expect(result.response).toBe(server.text);
    expect(result.response.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ finishReason: 'stop', truncated: false, retries: 0 });
    expect(result.usage.promptTokens).toBe(result.promptTokens);
    expect(result.promptHash).toMatch(/^[0-9a-f]{64}$/);
    expect(kit.emulator.stats().conversationsCreated).toBe(1);
    await kit.injector.close();
    const report = await verifyAuditLog(kit.auditPath);
    expect(report).toMatchObject({ ok: true, entries: 1 });
    expect(auditLines(kit.auditPath)[0]).toMatchObject({
      conversationId: result.conversationId,
      promptHash: result.promptHash,
      complianceStatus: 'AUDITED',
      userId: 'system-automation',
    });
  });

  it('accepts the seed positional constructor', async () => {
    extra = await startEmulator({ rateLimit: false, chunkIntervalMs: 1, firstChunkDelayMs: 5 });
    const injector = new GenesysPromptInjector(extra.baseUrl, extra.clientId, extra.clientSecret);
    try {
      await injector.initialize();
      const result = await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
      expect(result.response).toBe(extra.conversation(result.conversationId)!.text);
    } finally {
      await injector.close();
    }
  });

  it('streamPrompt yields chunks that add up to the result, then one result', async () => {
    kit = await startKit();
    const chunks: string[] = [];
    let results = 0;
    let response = '';
    for await (const item of kit.injector.streamPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])) {
      if (item.type === 'chunk') chunks.push(item.content);
      else {
        results++;
        response = item.result.response;
        expect(item.result.timeToFirstChunkMs).toBeGreaterThan(0);
      }
    }
    expect(results).toBe(1);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(response);
  });

  it('completes by reading the conversation with stream: false', async () => {
    kit = await startKit();
    const result = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { stream: false });
    expect(result.response).toBe(kit.emulator.conversation(result.conversationId)!.text);
    expect(kit.injector.streamStats().socketsOpened).toBe(0);
  });

  it('streams over the direct socket when asked', async () => {
    kit = await startKit({}, { transport: 'direct' });
    const results = await Promise.all(
      ['a', 'b', 'c'].map((p) =>
        kit!.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { variables: { productType: p } }),
      ),
    );
    for (const r of results) expect(r.response).toBe(kit.emulator.conversation(r.conversationId)!.text);
    expect(kit.injector.streamStats()).toMatchObject({ socketsOpened: 1, channelsCreated: 0 });
  });

  it('sends nothing for an invalid template and audits the failure', async () => {
    kit = await startKit();
    await kit.injector.initialize();
    const before = kit.emulator.stats().requests;
    const bad = { ...TEMPLATE, variables: {} };
    await expect(kit.injector.injectPrompt(SEED_ASSISTANT_ID, bad, [])).rejects.toBeInstanceOf(
      MissingVariablesError,
    );
    await expect(
      kit.injector.injectPrompt(SEED_ASSISTANT_ID, { ...TEMPLATE, contextWindowLimit: 2_500_000 }, []),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(kit.emulator.stats().requests).toBe(before);
    expect(kit.emulator.stats().conversationsCreated).toBe(0);
    await kit.injector.close();
    const lines = auditLines(kit.auditPath);
    expect(lines.map((l) => [l.complianceStatus, l.errorCode, l.conversationId])).toEqual([
      ['FAILED', 'missing.variables', null],
      ['FAILED', 'invalid.input', null],
    ]);
    expect(await verifyAuditLog(kit.auditPath)).toMatchObject({ ok: true, entries: 2 });
  });

  it('reuses one conversation for a repeated idempotency key', async () => {
    kit = await startKit();
    const key = '2f1c0a52-6a43-4c6e-9d1a-3f2b7f0c9e11';
    const first = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { idempotencyKey: key });
    const second = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { idempotencyKey: key });
    expect(second.conversationId).toBe(first.conversationId);
    expect(second.response).toBe(first.response);
    expect(kit.emulator.stats()).toMatchObject({ conversationsCreated: 1, idempotentReplays: 1 });
  });

  it('names the missing scope on 403', async () => {
    kit = await startKit(
      {
        clients: [{ clientId: 'reader', clientSecret: 'reader-secret', scopes: ['ai:assistant:read'] }],
      },
      {},
    );
    const injector = new GenesysPromptInjector({
      environment: kit.emulator.baseUrl,
      clientId: 'reader',
      clientSecret: 'reader-secret',
      ...FAST,
    });
    try {
      const error = await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionDeniedError);
      expect((error as Error).message).toContain('ai:assistant:write');
    } finally {
      await injector.close();
    }
  });

  it('fails initialize with AuthenticationError for wrong credentials', async () => {
    extra = await startEmulator({ rateLimit: false });
    const injector = new GenesysPromptInjector({
      environment: extra.baseUrl,
      clientId: extra.clientId,
      clientSecret: 'wrong-secret',
      ...FAST,
    });
    try {
      await expect(injector.initialize()).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await injector.close();
    }
  });

  it('stops when the consumer breaks out and audits the injection as aborted', async () => {
    kit = await startKit({ chunkIntervalMs: 5 });
    for await (const item of kit.injector.streamPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])) {
      if (item.type === 'chunk') break;
    }
    await kit.injector.close();
    const lines = auditLines(kit.auditPath);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ complianceStatus: 'FAILED', errorCode: 'aborted' });
    expect(lines[0]!.conversationId).toEqual(expect.any(String));
  });

  it('rejects with AbortError when the signal fires', async () => {
    kit = await startKit({ chunkIntervalMs: 20 });
    const controller = new AbortController();
    const pending = kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('marks a stream cut at the response budget as truncated', async () => {
    kit = await startKit();
    const result = await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [], {
      maxResponseTokens: 10,
    });
    expect(result).toMatchObject({ truncated: true, finishReason: 'budget' });
    const server = kit.emulator.conversation(result.conversationId)!;
    expect(server.text.startsWith(result.response)).toBe(true);
    expect(result.response.length).toBeLessThan(server.text.length);
  });

  it('close() leaves no socket or timer behind', async () => {
    const baseline = handleCounts();
    kit = await startKit();
    await Promise.all(
      Array.from({ length: 5 }, () => kit!.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])),
    );
    await kit.close();
    kit = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    const after = handleCounts();
    for (const [kind, n] of after) {
      if (!baseline.has(kind)) expect.fail(`a ${kind} handle was left open`);
      expect(n, kind).toBeLessThanOrEqual(baseline.get(kind) ?? 0);
    }
  });

  it('writes the audit trail where asked even from a fresh directory', async () => {
    const dir = tempDir();
    kit = await startKit({}, { auditLogPath: `${dir}/trail.jsonl` });
    await kit.injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    await kit.injector.close();
    expect(await verifyAuditLog(`${dir}/trail.jsonl`)).toMatchObject({ ok: true, entries: 1 });
  });
});
