/**
 * Child of `instructions.ts`, run as plain JavaScript under callgrind (transpiled like the minimal
 * client, so no TypeScript loader is counted): our built injector makes a warm-up and then
 * `injections` injections at `concurrency`, and exits 1 when any failed.
 * argv[2]: JSON `InstructionsChildSetup`.
 */
import type { FewShotExample, PromptTemplate } from '../src/index.js';

/** What the child runs. */
export interface InstructionsChildSetup {
  /** Our built entry (`dist/index.js`), as a file URL. */
  entry: string;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  assistantId: string;
  template: PromptTemplate;
  examples: FewShotExample[];
  warmup: number;
  injections: number;
  concurrency: number;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as InstructionsChildSetup;
const { GenesysPromptInjector } = (await import(setup.entry)) as typeof import('../src/index.js');
const injector = new GenesysPromptInjector({
  environment: setup.baseUrl,
  clientId: setup.clientId,
  clientSecret: setup.clientSecret,
  requestsPerMinute: 0,
});
let failed = 0;
let firstError = '';
/** `count` injections from `offset`, `concurrency` at a time (the bench fixture's product names). */
async function run(offset: number, count: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = offset + next++;
      await injector
        .injectPrompt(setup.assistantId, setup.template, setup.examples, {
          variables: { productType: `plan ${i % 97} (order ${i})` },
        })
        .catch((error: unknown) => {
          failed += 1;
          firstError ||= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        });
    }
  };
  await Promise.all(Array.from({ length: Math.min(setup.concurrency, count) }, worker));
}
try {
  await injector.initialize();
  await run(0, setup.warmup);
  await run(setup.warmup, setup.injections);
} finally {
  await injector.close();
}
if (failed > 0) process.stderr.write(`${failed} injections failed; the first: ${firstError}\n`);
process.exitCode = failed === 0 ? 0 : 1;
