/**
 * The README's library example: stream one injection from the built-in emulator.
 * Run: npx tsx examples/library-usage.ts
 */
import { startEmulator } from '../src/emulator-entry.js';
import { GenesysPromptInjector, SEED_ASSISTANT_ID, loadFewShotExamples, loadTemplate } from '../src/index.js';

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
