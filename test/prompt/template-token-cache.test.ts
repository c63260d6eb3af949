import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectFewShotExamples, type FewShotExample } from '../../src/prompt/few-shot.js';
import { preparePrompt } from '../../src/prompt/prepare-prompt.js';
import { templateTokenCounter } from '../../src/prompt/template-token-cache.js';
import { validatePromptSchema, type PromptTemplate } from '../../src/prompt/template.js';
import { estimateTokens, tokenCounter } from '../../src/prompt/tokens.js';

const ASSISTANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const plain: PromptTemplate = {
  systemInstruction: 'You are the support assistant of {{company}}. Quote the policy that applies.',
  userTemplate: 'Customer {{name}} asks: {{question}}',
  variables: { company: 'Northwind' },
  contextWindowLimit: 400,
  maxOutputTokens: 100,
  fewShot: { strategy: 'similarity', count: 3 },
};
const examples: FewShotExample[] = Array.from({ length: 12 }, (_, i) => ({
  input: `Question ${i} about ${['refunds', 'shipping', 'passwords', 'invoices'][i % 4]} and the policy`,
  output: `Answer ${i}: ${'the policy says so. '.repeat(1 + (i % 5))}`,
  category: i % 2 === 0 ? 'even' : 'odd',
}));
const history = Array.from({ length: 8 }, (_, i) => ({
  role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
  content: `Earlier turn ${i}: ${'words of the conversation '.repeat(1 + (i % 3))}`,
}));

describe('counting once per template', () => {
  it('prepares exactly the same prompt from a validated (cached) template as from a plain one', () => {
    const validated = validatePromptSchema(plain);
    const inputs = fc.record({
      name: fc.string({ maxLength: 20 }),
      question: fc.string({ minLength: 1, maxLength: 200 }).filter((q) => q.trim() !== ''),
      company: fc.constantFrom('Northwind', 'Contoso', 'a much longer company name, Incorporated'),
    });
    fc.assert(
      fc.property(inputs, (variables) => {
        const run = (template: PromptTemplate): unknown => {
          try {
            return preparePrompt(template, ASSISTANT, examples, { variables, history });
          } catch (error) {
            return (error as Error).message;
          }
        };
        expect(run(validated)).toEqual(run({ ...plain }));
      }),
      { seed: 99, numRuns: 150 },
    );
  });

  it('remembers counts only for validated (frozen) templates, and they are exact', () => {
    const validated = validatePromptSchema(plain);
    const counter = templateTokenCounter(validated);
    expect(templateTokenCounter(validated)).toBe(counter);
    for (const text of ['You are the support assistant of Northwind.', 'x'.repeat(100), '']) {
      expect(counter(text)).toBe(estimateTokens(text));
      expect(counter(text)).toBe(estimateTokens(text));
    }
    expect(templateTokenCounter({ ...plain })).toBe(tokenCounter('o200k_base'));
    expect(counter).not.toBe(tokenCounter('o200k_base'));
    expect(templateTokenCounter(validated, 'cl100k_base')('hello world')).toBe(
      estimateTokens('hello world', 'cl100k_base'),
    );
  });

  it('notices an examples list that changed since it was last ranked', () => {
    const list = examples.map((e) => ({ ...e }));
    const first = selectFewShotExamples(list, undefined, 1, {
      strategy: 'similarity',
      query: 'zebra crossing',
    });
    const last = list[list.length - 1] as FewShotExample;
    last.input = 'zebra crossing zebra';
    const second = selectFewShotExamples(list, undefined, 1, {
      strategy: 'similarity',
      query: 'zebra crossing',
    });
    expect(second).toEqual([last]);
    expect(first).not.toEqual(second);
    list.push({ input: 'zebra crossing zebra zebra crossing', output: 'o', category: 'odd' });
    expect(
      selectFewShotExamples(list, 'odd', 1, { strategy: 'similarity', query: 'zebra crossing' })[0]?.input,
    ).toBe('zebra crossing zebra zebra crossing');
  });
});
