/** An injector pointed at a hostile server, with test-short timings; closed by `closeAll()`. */
import { SEED_ASSISTANT_ID } from '../../src/contract/index.js';
import { GenesysPromptInjector } from '../../src/injector.js';
import type { InjectionResult, InjectorOptions } from '../../src/injector-options.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { FAST } from '../injector-kit.js';
import { startHostileGenesys, type HostileGenesys, type HostileScript } from './hostile-genesys.js';

const opened: Array<{ close(): Promise<void> }> = [];

/** A template whose user message is the variable `prompt`, so a script can tell injections apart. */
export const PROMPT_TEMPLATE: PromptTemplate = {
  systemInstruction: 'You answer briefly.',
  userTemplate: '{{prompt}}',
  variables: {},
  contextWindowLimit: 4096,
  maxOutputTokens: 256,
};

/** A hostile server and an injector on it. */
export interface HostileKit {
  server: HostileGenesys;
  injector: GenesysPromptInjector;
  /** Injects `prompt`; resolves with the result or the error it failed with. */
  inject(prompt: string, options?: { deadlineMs?: number }): Promise<InjectionResult | Error>;
  /** One honest injection, so what loads on first use is loaded before memory is measured. */
  warmUp(): Promise<void>;
}

/** Starts a hostile server with `script` and an injector on it. */
export async function hostileKit(
  script: HostileScript = {},
  injectorOptions: InjectorOptions = {},
): Promise<HostileKit> {
  const server = await startHostileGenesys(script);
  const injector = new GenesysPromptInjector({
    environment: server.baseUrl,
    clientId: 'hostile-client',
    clientSecret: 'hostile-secret',
    ...FAST,
    maxRetries: 1,
    ...injectorOptions,
  });
  opened.push(injector, server);
  const inject = (prompt: string, options = {}): Promise<InjectionResult | Error> =>
    injector
      .injectPrompt(SEED_ASSISTANT_ID, PROMPT_TEMPLATE, [], { variables: { prompt }, ...options })
      .catch((error: unknown) => error as Error);
  return {
    server,
    injector,
    inject,
    warmUp: async () => {
      const result = await inject('warm up', { deadlineMs: 30_000 });
      if (result instanceof Error) throw result;
    },
  };
}

/** Closes every injector and server the cases opened (call in afterEach). */
export async function closeAll(): Promise<void> {
  for (const item of opened.splice(0)) await item.close();
}
