import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Runs `body` (an ES module) in a fresh Node and returns what it printed. */
async function runFresh(body: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', TSX, '--input-type=module', '-e', body],
    { cwd: SRC, timeout: 60_000 },
  );
  return stdout.trim();
}

const SDK_LOADED = `Object.keys((await import('node:module')).createRequire(import.meta.url).cache).some((path) => path.includes('purecloud-platform-client-v2'))`;

describe('the Genesys SDK is loaded when first needed', () => {
  it('not by importing the library or constructing an injector; by the first login', async () => {
    const printed = await runFresh(`
      const { GenesysPromptInjector } = await import(${JSON.stringify(`${SRC}index.ts`)});
      const { startEmulator } = await import(${JSON.stringify(`${SRC}emulator-entry.ts`)});
      const emulator = await startEmulator({ rateLimit: false });
      const injector = new GenesysPromptInjector({
        environment: emulator.baseUrl, clientId: emulator.clientId, clientSecret: emulator.clientSecret,
      });
      const before = ${SDK_LOADED};
      await injector.initialize();
      const after = ${SDK_LOADED};
      await injector.close();
      await emulator.close();
      console.log(JSON.stringify({ before, after }));
    `);
    expect(JSON.parse(printed)).toEqual({ before: false, after: true });
  });
});
