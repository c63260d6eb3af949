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
  return {
    server,
    injector,
    inject: (prompt, options = {}) =>
      injector
        .injectPrompt(SEED_ASSISTANT_ID, PROMPT_TEMPLATE, [], { variables: { prompt }, ...options })
        .catch((error: unknown) => error as Error),
  };
}

/** Closes every injector and server the cases opened (call in afterEach). */
export async function closeAll(): Promise<void> {
  for (const item of opened.splice(0)) await item.close();
}
