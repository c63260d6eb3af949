import { afterEach, describe, expect, it } from 'vitest';
import { emulatorBanner } from '../../src/cli/emulator-banner.js';
import { SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GenesysPromptInjector } from '../../src/injector.js';
import { FAST, TEMPLATE } from '../injector-kit.js';

let emulator: Emulator | undefined;
let injector: GenesysPromptInjector | undefined;
afterEach(async () => {
  await injector?.close();
  await emulator?.close();
  injector = undefined;
  emulator = undefined;
});

/** The variables of the banner's `export` line. */
function exported(lines: string[]): Record<string, string> {
  const line = lines.find((l) => l.trim().startsWith('export '));
  expect(line).toBeDefined();
  return Object.fromEntries(
    (line ?? '')
      .trim()
      .slice('export '.length)
      .split(' ')
      .map((pair) => pair.split('=') as [string, string]),
  );
}

describe('emulator start-up banner', () => {
  it('on loopback: no warning, the control token, and an environment line', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const lines = emulatorBanner(emulator);
    expect(lines.join('\n')).not.toMatch(/WARNING/);
    expect(lines.join('\n')).toContain(`control token: ${emulator.controlToken ?? 'missing'}`);
    expect(exported(lines).GENESYS_ENVIRONMENT).toBe(emulator.baseUrl);
  });

  it('on every interface: a warning, and an environment line the library accepts and reaches', async () => {
    emulator = await startEmulator({
      host: '0.0.0.0',
      rateLimit: false,
      firstChunkDelayMs: 1,
      chunkIntervalMs: 1,
    });
    const lines = emulatorBanner(emulator);
    expect(lines.join('\n')).toMatch(/WARNING: listening on every interface \(0\.0\.0\.0\)/);
    const env = exported(lines);
    expect(env.GENESYS_ENVIRONMENT).toBe(`http://127.0.0.1:${emulator.port}`);
    injector = new GenesysPromptInjector({
      ...FAST,
      environment: env.GENESYS_ENVIRONMENT,
      clientId: env.GENESYS_CLIENT_ID,
      clientSecret: env.GENESYS_CLIENT_SECRET,
    });
    const result = await injector.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []);
    expect(result.response).toBe(emulator.conversation(result.conversationId)?.text);
  });

  it('says when the control endpoints are open', async () => {
    emulator = await startEmulator({ rateLimit: false, controlOpen: true });
    expect(emulatorBanner(emulator).join('\n')).toContain('open, no token (--control-open)');
  });
});
