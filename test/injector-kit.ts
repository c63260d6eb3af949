/** Starts the in-process emulator and an injector pointed at it, with test-short timings. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import { GenesysPromptInjector } from '../src/injector.js';
import type { InjectorOptions } from '../src/injector-options.js';
import type { PromptTemplate } from '../src/prompt/template.js';

/** A small valid template. */
export const TEMPLATE: PromptTemplate = {
  systemInstruction: 'You are a compliance-aware financial assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  contextWindowLimit: 4096,
  maxOutputTokens: 256,
};

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'gpi-test-'));
}

/** Everything a test opened, to close in `afterEach`. */
export interface Kit {
  emulator: Emulator;
  injector: GenesysPromptInjector;
  auditPath: string;
  close(): Promise<void>;
}

/** Test timings for the stream transports and retries. */
export const FAST: InjectorOptions = {
  requestsPerMinute: 0,
  retryDelays: { baseDelayMs: 5, maxDelayMs: 50 },
  streamTuning: {
    heartbeatIntervalMs: 200,
    pingIntervalMs: 200,
    backoff: { baseMs: 5, maxMs: 50 },
    idleReadMs: 500,
    subscribeCoalesceMs: 1,
  },
  pollIntervalMs: 10,
};

/** Starts an emulator and an injector on it. */
export async function startKit(
  emulatorOptions: EmulatorOptions = {},
  injectorOptions: InjectorOptions = {},
): Promise<Kit> {
  const emulator = await startEmulator({
    rateLimit: false,
    heartbeatIntervalMs: 200,
    firstChunkDelayMs: 5,
    chunkIntervalMs: 1,
    ...emulatorOptions,
  });
  const auditPath = join(tempDir(), 'audit.jsonl');
  const injector = new GenesysPromptInjector({
    environment: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    auditLogPath: auditPath,
    ...FAST,
    ...injectorOptions,
  });
  return {
    emulator,
    injector,
    auditPath,
    close: async () => {
      await injector.close();
      await emulator.close();
    },
  };
}

/** How many of each kind of handle (socket, timer, ...) keep the event loop alive now. */
export function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}
