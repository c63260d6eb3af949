/**
 * The README's library example: stream one injection from the built-in emulator.
 * Run it from an installed package (`npx tsx node_modules/genesys-prompt-injector/examples/library-usage.ts`)
 * or from a clone of the repository (`npx tsx examples/library-usage.ts`, which resolves the package name
 * to the source tree through tsconfig.json `paths`).
 */
import {
  GenesysPromptInjector,
  SEED_ASSISTANT_ID,
  loadFewShotExamples,
  loadTemplate,
} from 'genesys-prompt-injector';
import { startEmulator } from 'genesys-prompt-injector/emulator';

const emulator = await startEmulator(); // or omit and set GENESYS_* for a real organisation
const injector = new GenesysPromptInjector({
  environment: emulator.baseUrl,
  clientId: emulator.clientId,
  clientSecret: emulator.clientSecret,
});
try {
  const template = await loadTemplate(new URL('refund-policy.yaml', import.meta.url).pathname);
  const examples = await loadFewShotExamples(new URL('refund-examples.yaml', import.meta.url).pathname);
  for await (const item of injector.streamPrompt(SEED_ASSISTANT_ID, template, examples, {
    variables: { productType: 'subscription' },
  })) {
    if (item.type === 'chunk') process.stdout.write(item.content);
    else console.log('\n', item.result.finishReason, item.result.usage);
  }
} finally {
  await injector.close(); // releases every socket and timer
  await emulator.close();
}
