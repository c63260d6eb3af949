/**
 * Inputs of the pipeline benchmark: the template and its 50 few-shot examples (files under
 * bench/fixtures/), a 20-message history (10 customer turns, 10 assistant turns, oldest first) and
 * eight customer questions that the iterations rotate through.
 */
import { fileURLToPath } from 'node:url';
import type { PromptMessage } from '../src/contract/conversation.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../src/prompt/load-template.js';
import type { FewShotExample } from '../src/prompt/few-shot.js';
import type { PromptTemplate } from '../src/prompt/template.js';

/** Everything one pipeline iteration needs, loaded once. */
export interface PipelineFixture {
  template: PromptTemplate;
  examples: FewShotExample[];
  history: PromptMessage[];
  /** Per-iteration variables (rotated). */
  inputs: Array<Record<string, string>>;
}

const TEMPLATE_PATH = fileURLToPath(new URL('./fixtures/pipeline-template.yaml', import.meta.url));

const TOPICS = [
  'my order from last week that still has not arrived',
  'a second charge on my credit card for the same order',
  'returning the hiking boots that were too small',
  'the discount code that did not apply at checkout',
  'moving my subscription to the annual plan',
  'the invoice that shows the wrong company address',
  'the app that logs me out every few minutes',
  'a parcel that was delivered to my neighbour instead',
  'cancelling the extended warranty I bought by mistake',
  'the tracking page that has not changed for a week',
];

/** Ten customer turns and ten assistant answers, alternating, oldest first. */
function buildHistory(): PromptMessage[] {
  const history: PromptMessage[] = [];
  TOPICS.forEach((topic, i) => {
    history.push({
      role: 'user',
      content: `Earlier question ${i + 1}: I am writing about ${topic}. I contacted you before and would like a clear answer, including what happens next and how long it takes.`,
    });
    history.push({
      role: 'assistant',
      content: `About ${topic}: I checked your account and the policy that applies. Here is what happens next: we open a case today, you receive an email with the case number, and a specialist answers within two business days.`,
    });
  });
  return history;
}

const QUESTIONS = [
  'What is the refund policy for an annual plan I bought three weeks ago?',
  'My parcel has not moved in the tracking for ten days, is it lost?',
  'How do I change the payment method before the next invoice?',
  'I was charged twice for the same order, can you reverse the duplicate charge?',
  'How do I turn on two-factor authentication for my account?',
  'The app crashes when I open it on my phone, what should I do?',
  'Can I return a hardware device that I already opened?',
  'Why did the price of my subscription increase this month?',
];

/** Loads the template and examples and builds the history and inputs. */
export async function loadPipelineFixture(): Promise<PipelineFixture> {
  const template = await loadTemplate(TEMPLATE_PATH);
  const examplesPath = resolveFewShotPath(TEMPLATE_PATH, template);
  if (examplesPath === undefined) throw new Error('the benchmark template names no few-shot examples file');
  const examples = await loadFewShotExamples(examplesPath);
  const names = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson'];
  const inputs = QUESTIONS.map((question, i) => ({
    customerName: names[i % names.length] ?? 'Ada',
    question,
  }));
  return { template, examples, history: buildHistory(), inputs };
}
