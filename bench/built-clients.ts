/**
 * The two clients as they run outside this repository: ours as the built package (`dist/index.js`,
 * what `npm install` gives a user) and the minimal client (`minimal-client.ts`) transpiled by
 * TypeScript to plain JavaScript. Neither then carries tsx's transform (which wraps every named
 * closure in a `__name()` call), so the limit and memory rows compare the code each side ships.
 * `prepareBuiltClients()` runs once in the parent, before any child process imports either.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import {
  BENCH_ASSISTANT_ID,
  INJECTION_EXAMPLES,
  INJECTION_TEMPLATE,
  productTypeOf,
} from './injection-fixture.js';
import { bodyOf } from './limit-bodies.js';
import { ensureBuilt } from './startup.js';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Our built package's entry. */
export const OURS_DIST = join(ROOT, 'dist', 'index.js');
/** The minimal client as plain JavaScript; under node_modules so it resolves `ws` as the source does. */
export const MINIMAL_PLAIN = join(ROOT, 'node_modules', '.cache', 'limit-bench', 'minimal-client.mjs');

/** Builds dist/ when it is older than the sources, and transpiles the minimal client. */
export function prepareBuiltClients(): void {
  ensureBuilt();
  mkdirSync(dirname(MINIMAL_PLAIN), { recursive: true });
  const source = readFileSync(fileURLToPath(new URL('./minimal-client.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(MINIMAL_PLAIN, outputText);
}

/**
 * Our built package (after `prepareBuiltClients`); `BENCH_OURS_DIST` names another build's entry
 * (another commit's `dist/index.js`, to compare the two).
 */
export function importOurs(): Promise<typeof import('../src/index.js')> {
  const entry = process.env.BENCH_OURS_DIST ?? OURS_DIST;
  return import(pathToFileURL(entry).href) as Promise<typeof import('../src/index.js')>;
}

/** The transpiled minimal client (after `prepareBuiltClients`). */
export function importMinimal(): Promise<typeof import('./minimal-client.js')> {
  return import(pathToFileURL(MINIMAL_PLAIN).href) as Promise<typeof import('./minimal-client.js')>;
}

/**
 * Our built injector, logged in to an emulator with its credentials, no client-side pacing.
 * @param emulator where the emulator listens and its OAuth client
 * @param deadlineMs per-injection deadline when the row needs a longer one than the default
 */
export async function openOurInjector(
  emulator: { baseUrl: string; clientId: string; clientSecret: string },
  deadlineMs?: number,
): Promise<InstanceType<Awaited<ReturnType<typeof importOurs>>['GenesysPromptInjector']>> {
  const { GenesysPromptInjector } = await importOurs();
  const injector = new GenesysPromptInjector({
    environment: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    requestsPerMinute: 0,
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  });
  await injector.initialize();
  return injector;
}

/** One side of a comparison, injecting by index (the bench fixture's template and product names). */
export interface InjectingSide {
  inject(i: number): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Our built injector (`openOurInjector`) or the minimal client, logged in to `emulator` and ready to
 * make injection `i`. The minimal client is handed our create bodies for indices `0 .. bodies - 1`,
 * built here before it starts (see limit-bodies.ts).
 * @param side which client
 * @param emulator where the emulator listens and its OAuth client
 * @param bodies how many bodies the minimal client needs (indices it will be asked for)
 */
export async function openInjectingSide(
  side: 'ours' | 'minimal',
  emulator: { baseUrl: string; clientId: string; clientSecret: string },
  bodies: number,
): Promise<InjectingSide> {
  if (side === 'ours') {
    const injector = await openOurInjector(emulator);
    return {
      inject: (i) =>
        injector.injectPrompt(BENCH_ASSISTANT_ID, INJECTION_TEMPLATE, INJECTION_EXAMPLES, {
          variables: { productType: productTypeOf(i) },
        }),
      close: () => injector.close(),
    };
  }
  const { MinimalClient } = await importMinimal();
  const built = Array.from({ length: bodies }, (_, i) => bodyOf(i));
  const client = await MinimalClient.open({
    baseUrl: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
  return {
    inject: (i) => {
      const body = built[i];
      if (body === undefined) return Promise.reject(new Error(`no body built for injection ${i}`));
      return client.inject(BENCH_ASSISTANT_ID, body, () => undefined);
    },
    close: async () => client.close(),
  };
}
