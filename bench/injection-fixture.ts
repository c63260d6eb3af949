/**
 * The prompt every end-to-end benchmark sends: the seed's refund-policy example, two few-shot
 * examples, and a product name that differs per injection. Valid for both our injector and the
 * seed design (our `PromptTemplate` is a superset of the seed's).
 */
import type { FewShotExample } from '../src/prompt/few-shot.js';
import type { PromptTemplate } from '../src/prompt/template.js';
import { SEED_ASSISTANT_ID } from '../src/contract/conversation.js';

/** The assistant the emulator knows by default. */
export const BENCH_ASSISTANT_ID = SEED_ASSISTANT_ID;

/** The seed's example template (its four fields only, so the seed design can take it too). */
export const INJECTION_TEMPLATE: PromptTemplate = {
  systemInstruction: 'You are a compliance-aware financial assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  contextWindowLimit: 4096,
};

/** Two examples, injected by both sides. */
export const INJECTION_EXAMPLES: FewShotExample[] = [
  {
    category: 'refunds',
    input: 'Explain the refund policy for a monthly subscription.',
    output:
      'Monthly subscriptions can be cancelled at any time. If you cancel within 14 days of the first charge you receive a full refund.',
  },
  {
    category: 'refunds',
    input: 'Explain the refund policy for hardware devices.',
    output:
      'Unused hardware in its original packaging can be returned within 30 days for a full refund; opened devices carry a 15% restocking fee.',
  },
];

/** The variable value of injection `i`. */
export function productTypeOf(i: number): string {
  return `plan ${i % 97} (order ${i})`;
}
