/**
 * A prompt as an AI Studio guide, from code: deploy `guide-refunds.yaml` (nothing is written when it is
 * unchanged), talk to the guide with `backend: 'guides'`, and act on the turn's result.
 * Run it from a clone with `npx tsx examples/guide-usage.ts` (built-in emulator), or set GENESYS_* and
 * drop the emulator to deploy to a real organisation.
 */
import {
  GenesysPromptInjector,
  deployGuide,
  guideDefinitionFromTemplate,
  guideTurnOf,
  loadFewShotExamples,
  loadTemplate,
  returnControlFor,
} from 'genesys-prompt-injector';
import { startEmulator } from 'genesys-prompt-injector/emulator';

const emulator = await startEmulator(); // or omit and set GENESYS_* for a real organisation
const injector = new GenesysPromptInjector({
  environment: emulator.baseUrl,
  clientId: emulator.clientId,
  clientSecret: emulator.clientSecret,
  backend: 'guides',
});
try {
  const template = await loadTemplate(new URL('guide-refunds.yaml', import.meta.url).pathname);
  const examples = await loadFewShotExamples(new URL('refund-examples.yaml', import.meta.url).pathname);
  const deployed = await deployGuide(injector.guides(), guideDefinitionFromTemplate(template, examples));
  console.log(`guide ${deployed.guideId} version ${deployed.version} (${deployed.action})`);

  const result = await injector.injectPrompt(deployed.guideId ?? '', template, [], {
    variables: { productType: 'annual plan', orderTotal: '120' },
  });
  console.log(result.response);
  const turn = guideTurnOf(result);
  switch (turn?.result) {
    case 'CLIENT_ACTION_REQUIRED': {
      // Run the actions the guide asks for, then hand their outputs back in the same session.
      const outputs = Object.fromEntries(turn.invocations.map((i) => [i.actionName, '{"found":true}']));
      const next = await injector.injectPrompt(deployed.guideId ?? '', template, [], {
        guide: returnControlFor(turn, outputs),
      });
      console.log(next.response);
      break;
    }
    case 'ESCALATION_TRIGGERED':
      console.log('hand the customer over to an agent');
      break;
    default:
      console.log(turn?.status, turn?.result, turn?.outputVariables);
  }
} finally {
  await injector.close();
  await emulator.close();
}
