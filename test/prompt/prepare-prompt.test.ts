import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBudgetError } from '../../src/errors.js';
import {
  injectFewShotContext,
  selectFewShotExamples,
  type FewShotExample,
} from '../../src/prompt/few-shot.js';
import { buildPromptPayload } from '../../src/prompt/payload.js';
import { preparePrompt } from '../../src/prompt/prepare-prompt.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { countMessageTokens, estimateTokens } from '../../src/prompt/tokens.js';

const ASSISTANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const template: PromptTemplate = {
  systemInstruction: 'You are a compliance-aware financial assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: {},
  contextWindowLimit: 8192,
  maxOutputTokens: 512,
  fewShot: { strategy: 'similarity', count: 2, category: 'refunds' },
};
const examples: FewShotExample[] = [
  {
    input: 'Explain the refund policy for a monthly subscription.',
    output: 'Within 14 days, in full.',
    category: 'refunds',
  },
  {
    input: 'Explain the refund policy for hardware devices.',
    output: 'Unused within 30 days.',
    category: 'refunds',
  },
  { input: 'Why was I charged twice?', output: 'A pending authorisation.', category: 'billing' },
  { input: 'How long does a refund take?', output: 'Up to 10 business days.', category: 'refunds' },
];
const vars = { variables: { productType: 'hardware' } };

describe('preparePrompt', () => {
  it('selects examples per the template, injects them, and sizes maxTokens', () => {
    const prepared = preparePrompt(template, ASSISTANT, examples, vars);
    expect(prepared.examples.map((e) => e.output)).toEqual([
      'Unused within 30 days.',
      'Within 14 days, in full.',
    ]);
    const [system, user] = prepared.payload.messages;
    expect(system?.content).toBe(injectFewShotContext(template.systemInstruction, prepared.examples));
    expect(user).toEqual({ role: 'user', content: 'Explain the refund policy for hardware.' });
    expect(prepared.promptTokens).toBe(countMessageTokens(prepared.payload.messages));
    expect(prepared.maxTokens).toBe(512);
    expect(prepared.payload.settings).toEqual({ maxTokens: 512, temperature: 0.2, safetyPolicy: 'strict' });
    expect(prepared.dropped).toEqual([]);
  });

  it('selects none when no examples are passed', () => {
    const prepared = preparePrompt(template, ASSISTANT, [], vars);
    expect(prepared.examples).toEqual([]);
    expect(prepared.payload.messages[0]?.content).toBe(template.systemInstruction);
  });

  it('uses rotation, count 2, seed 0 and every category when the template has no fewShot', () => {
    const { fewShot: _omit, ...plain } = template;
    const prepared = preparePrompt(plain, ASSISTANT, examples, vars);
    expect(prepared.examples).toEqual(
      selectFewShotExamples(examples, undefined, 2, { strategy: 'rotation', seed: 0 }),
    );
  });

  it('matches buildPromptPayload when there are no examples and no history to trim', () => {
    const prepared = preparePrompt(template, ASSISTANT, [], vars);
    expect(prepared.payload).toEqual(buildPromptPayload(template, ASSISTANT, vars));
  });

  it('drops the oldest history to fit, keeping the system instruction and the new user message', () => {
    const history = Array.from({ length: 10 }, (_, i) => ({
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: `turn ${i} ${'word '.repeat(30)}`,
    }));
    const small = { ...template, contextWindowLimit: 400, maxOutputTokens: 100 };
    const prepared = preparePrompt(small, ASSISTANT, [], { ...vars, history });
    expect(prepared.dropped.length).toBeGreaterThan(0);
    expect(prepared.dropped[0]).toMatchObject({ index: 1, role: 'user' });
    expect(prepared.payload.messages[0]?.role).toBe('system');
    expect(prepared.payload.messages.at(-1)?.content).toBe('Explain the refund policy for hardware.');
    expect(prepared.promptTokens).toBeLessThanOrEqual(400 - 100);
    expect(prepared.promptTokens + prepared.maxTokens).toBeLessThanOrEqual(400);
  });

  it('gives few-shot examples only the budget the system and user messages leave', () => {
    const tight = { ...template, contextWindowLimit: 60, maxOutputTokens: 20 };
    const prepared = preparePrompt(tight, ASSISTANT, examples, vars);
    const promptBudget = 60 - 20;
    expect(
      estimateTokens(prepared.payload.messages[0]!.content) +
        estimateTokens(prepared.payload.messages[1]!.content),
    ).toBeLessThanOrEqual(promptBudget);
    expect(prepared.examples.length).toBeLessThan(2);
  });

  it('reserves min(maxOutputTokens, half the window) for the answer, then gives it what the prompt leaves', () => {
    const history = Array.from({ length: 6 }, (_, i) => ({
      role: 'assistant' as const,
      content: `turn ${i} ${'word '.repeat(8)}`,
    }));
    const prepared = preparePrompt(
      { ...template, contextWindowLimit: 100, maxOutputTokens: 90 },
      ASSISTANT,
      [],
      {
        ...vars,
        history,
      },
    );
    expect(prepared.dropped.length).toBeGreaterThan(0);
    expect(prepared.promptTokens).toBeLessThanOrEqual(50);
    expect(prepared.maxTokens).toBe(Math.min(90, 100 - prepared.promptTokens));
  });

  it('throws TokenBudgetError when the system and user messages alone exceed the prompt budget', () => {
    expect(() =>
      preparePrompt({ ...template, contextWindowLimit: 20, maxOutputTokens: 10 }, ASSISTANT, examples, vars),
    ).toThrow(TokenBudgetError);
  });
});

describe('preparePrompt (properties)', () => {
  const word = fc.constantFrom(
    'refund',
    'policy',
    'card',
    'plan',
    'hardware',
    'the',
    'for',
    'billing',
    'Straße',
    '東京',
    '🚀',
    '{{x}}',
  );
  const text = fc.array(word, { minLength: 1, maxLength: 25 }).map((w) => w.join(' '));
  const example = fc.record({ input: text, output: text, category: fc.constantFrom('refunds', 'billing') });
  const turn = fc.record({ role: fc.constantFrom<'user' | 'assistant'>('user', 'assistant'), content: text });

  it('always keeps promptTokens + maxTokens <= contextWindowLimit (or throws TokenBudgetError)', () => {
    let prepares = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 600 }),
        fc.option(fc.integer({ min: 1, max: 700 }), { nil: undefined }),
        fc.array(example, { maxLength: 8 }),
        fc.array(turn, { maxLength: 8 }),
        text,
        fc.constantFrom<'o200k_base' | 'cl100k_base' | 'heuristic'>('o200k_base', 'cl100k_base', 'heuristic'),
        fc.record({
          strategy: fc.constantFrom<'rotation' | 'similarity'>('rotation', 'similarity'),
          count: fc.nat(5),
          seed: fc.integer(),
        }),
        (limit, maxOut, pool, history, value, tokenizer, fewShot) => {
          const t: PromptTemplate = {
            ...template,
            contextWindowLimit: limit,
            maxOutputTokens: maxOut !== undefined && maxOut < limit ? maxOut : undefined,
            fewShot,
          };
          let prepared;
          try {
            prepared = preparePrompt(t, ASSISTANT, pool, {
              variables: { productType: value },
              history,
              tokenizer,
            });
          } catch (error) {
            expect(error).toBeInstanceOf(TokenBudgetError);
            return;
          }
          expect(prepared.promptTokens).toBe(countMessageTokens(prepared.payload.messages, tokenizer));
          expect(prepared.maxTokens).toBeGreaterThanOrEqual(1);
          expect(prepared.promptTokens + prepared.maxTokens).toBeLessThanOrEqual(limit);
          expect(prepared.payload.settings.maxTokens).toBe(prepared.maxTokens);
          expect(prepared.examples.length).toBeLessThanOrEqual(fewShot.count);
          expect(prepared.payload.messages.at(-1)?.content).toBe(`Explain the refund policy for ${value}.`);
          prepares += 1;
        },
      ),
      { seed: 42, numRuns: 200 },
    );
    // Most generated cases must succeed, so the bound is really exercised.
    expect(prepares).toBeGreaterThan(100);
  });
});
