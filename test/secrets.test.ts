import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  BasicTracerProvider,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { createSdkApiClient, loadSdk } from '../src/sdk/sdk-binding.js';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';
import { startEmulator, type Emulator } from '../src/emulator/index.js';
import { GenesysPromptInjector } from '../src/injector.js';
import type { Logger } from '../src/logger.js';
import { FAST, TEMPLATE, tempDir } from './injector-kit.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const SECRET = 'S3cr3t-value-that-must-never-leak';

describe('secrets', () => {
  it('never appear in logs, errors, audit or telemetry', async () => {
    emulator = await startEmulator({
      rateLimit: false,
      chunkIntervalMs: 1,
      clients: [
        {
          clientId: 'leak-test',
          clientSecret: SECRET,
          scopes: ['ai:assistant:write', 'ai:assistant:read', 'notifications'],
        },
      ],
      faults: { seed: 9, rate429: 0.2, retryAfterSeconds: 1, dropAfterChunks: 3 },
    });
    const logs: string[] = [];
    const capture =
      (level: string) =>
      (obj: object, msg?: string): void => {
        logs.push(`${level} ${JSON.stringify(obj)} ${msg ?? ''}`);
      };
    const logger: Logger = {
      debug: capture('debug'),
      info: capture('info'),
      warn: capture('warn'),
      error: capture('error'),
    };
    const posted: string[] = [];
    const fetch = async (_url: string, init: RequestInit): Promise<Response> => {
      posted.push(String(init.body));
      posted.push(JSON.stringify(init.headers ?? {}));
      return new Response(null, { status: 204 });
    };
    const spans = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer(
      't',
    );
    const apiClient = createSdkApiClient(await loadSdk());
    const auditPath = `${tempDir()}/audit.jsonl`;
    const injector = new GenesysPromptInjector({
      environment: emulator.baseUrl,
      clientId: 'leak-test',
      clientSecret: SECRET,
      apiClient,
      auditLogPath: auditPath,
      observabilityEndpoint: 'http://127.0.0.1:9/telemetry',
      telemetryTuning: { fetch, flushIntervalMs: 10 },
      openTelemetry: { tracer },
      logger,
      ...FAST,
    });
    const errors: string[] = [];
    const answers: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        answers.push((await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])).response);
      }
      for (const assistant of ['unknown-assistant', '']) {
        await injector.injectPrompt(assistant, TEMPLATE, []).catch((e: unknown) => {
          const err = e as Error;
          errors.push(
            `${err.stack ?? ''} ${JSON.stringify(err)} ${inspect(err, { depth: 10, showHidden: true })}`,
          );
        });
      }
      // A refused login: the secret it tried must not surface either.
      const refused = new GenesysPromptInjector({
        environment: emulator.baseUrl,
        clientId: 'leak-test',
        clientSecret: `${SECRET}-wrong`,
        logger,
        ...FAST,
      });
      await refused.initialize().catch((e: unknown) => {
        errors.push(`${(e as Error).stack ?? ''} ${inspect(e, { depth: 10, showHidden: true })}`);
      });
      await refused.close();
    } finally {
      await injector.close();
    }
    // The scan covers the retry and recovery paths only if the faults really happened: the seed's
    // first API request is answered 429 (Retry-After logged and waited), and every answer's socket
    // is dropped after 3 chunks (reconnect and reconciling read).
    expect(answers).toHaveLength(5);
    expect(answers.every((answer) => answer.length > 0)).toBe(true);
    const injected = emulator.stats().injected;
    expect(injected.rate429).toBeGreaterThan(0);
    expect(injected.drops).toBeGreaterThanOrEqual(5);
    const token = (apiClient as unknown as { authData: { accessToken: string } }).authData.accessToken;
    expect(token.length).toBeGreaterThan(8);
    const outputs = {
      logs: logs.join('\n'),
      errors: errors.join('\n'),
      audit: readFileSync(auditPath, 'utf8'),
      telemetry: posted.join('\n'),
      spans: JSON.stringify(
        spans
          .getFinishedSpans()
          .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
      ),
    };
    for (const [name, text] of Object.entries(outputs)) {
      expect(text.length, `${name} is empty, so the scan would prove nothing`).toBeGreaterThan(0);
      expect(text.includes(SECRET), `client secret in ${name}`).toBe(false);
      expect(text.includes(token), `access token in ${name}`).toBe(false);
    }
    expect(errors).toHaveLength(3);
    expect(errors[2]).toContain('AuthenticationError');
  });
});
