/**
 * Child of `instructions.ts`, run as plain JavaScript under callgrind (transpiled like the minimal
 * client, so no TypeScript loader is counted): one client — our built injector, or the minimal
 * client — makes a warm-up and then `injections` injections at `concurrency`, and exits 1 when any
 * failed. The minimal client sends bodies our pipeline built in the parent: it reads all of them from
 * `bodiesFile` in every run, whatever its size, so reading them cancels out between two runs.
 * argv[2]: JSON `InstructionsChildSetup`.
 */
import { readFileSync } from 'node:fs';
import type { FewShotExample, PromptTemplate } from '../src/index.js';
import type { MinimalClient } from './minimal-client.js';

/** What the child runs. */
export interface InstructionsChildSetup {
  side: 'ours' | 'minimal';
  /** Our built entry (`dist/index.js`) or the plain minimal client, as a file URL. */
  entry: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  assistantId: string;
  template: PromptTemplate;
  examples: FewShotExample[];
  /** The minimal side's create bodies (a JSON array of strings), by injection index. */
  bodiesFile?: string;
  warmup: number;
  injections: number;
  concurrency: number;
}

/** One injection by index; the answer is not kept. */
type Inject = (i: number) => Promise<unknown>;

const setup = JSON.parse(process.argv[2] ?? '{}') as InstructionsChildSetup;

async function openOurs(): Promise<{ inject: Inject; close(): Promise<void> }> {
  const { GenesysPromptInjector } = (await import(setup.entry)) as typeof import('../src/index.js');
  const injector = new GenesysPromptInjector({
    environment: setup.baseUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
    requestsPerMinute: 0,
  });
  await injector.initialize();
  return {
    // The bench fixture's product names (`productTypeOf`), as the minimal side's bodies carry them.
    inject: (i) =>
      injector.injectPrompt(setup.assistantId, setup.template, setup.examples, {
        variables: { productType: `plan ${i % 97} (order ${i})` },
      }),
    close: () => injector.close(),
  };
}

async function openMinimal(): Promise<{ inject: Inject; close(): Promise<void> }> {
  const { MinimalClient: Minimal } = (await import(setup.entry)) as {
    MinimalClient: typeof MinimalClient;
  };
  const bodies = (JSON.parse(readFileSync(setup.bodiesFile ?? '', 'utf8')) as string[]).map((text) =>
    Buffer.from(text),
  );
  const client = await Minimal.open({
    baseUrl: setup.baseUrl,
    clientId: setup.clientId,
    clientSecret: setup.clientSecret,
    // Our injector's default quiet time before it reads a conversation (callgrind slows both alike).
    quietReadMs: 1000,
  });
  return {
    inject: (i) => {
      const body = bodies[i];
      if (body === undefined) return Promise.reject(new Error(`no body for injection ${i}`));
      return client.inject(setup.assistantId, body);
    },
    close: async () => client.close(),
  };
}

const client = setup.side === 'ours' ? await openOurs() : await openMinimal();
let failed = 0;
let firstError = '';
/** `count` injections from `offset`, `concurrency` at a time. */
async function run(offset: number, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = offset + next++;
      await client.inject(i).catch((error: unknown) => {
        failed += 1;
        firstError ||= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(setup.concurrency, count) }, worker));
}
try {
  await run(0, setup.warmup);
  await run(setup.warmup, setup.injections);
} finally {
  await client.close();
}
if (failed > 0) process.stderr.write(`${failed} injections failed; the first: ${firstError}\n`);
process.exitCode = failed === 0 ? 0 : 1;
