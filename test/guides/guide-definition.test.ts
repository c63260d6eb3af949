/**
 * A template as a guide version: instruction (with a static few-shot block only for rotation),
 * variables typed and described with their defaults, the name's precedence, and the token check
 * made before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { TokenBudgetError, ValidationError } from '../../src/errors.js';
import { guideDefinitionFromTemplate, guideVariablesOf } from '../../src/guides/guide-definition.js';
import { fewShotBlock, selectFewShotExamples } from '../../src/prompt/few-shot.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../../src/prompt/load-template.js';
import type { PromptTemplate } from '../../src/prompt/template.js';

const TEMPLATE = 'examples/guide-refunds.yaml';

async function example(): Promise<{
  template: PromptTemplate;
  examples: Awaited<ReturnType<typeof loadFewShotExamples>>;
}> {
  const template = await loadTemplate(TEMPLATE);
  const path = resolveFewShotPath(TEMPLATE, template);
  return { template, examples: path === undefined ? [] : await loadFewShotExamples(path) };
}

describe('guideDefinitionFromTemplate', () => {
  it('bakes the rotation-chosen examples into the instruction and keeps placeholders for the turns', async () => {
    const { template, examples } = await example();
    const definition = guideDefinitionFromTemplate(template, examples);
    const chosen = selectFewShotExamples(examples, 'refunds', 2, { strategy: 'rotation', seed: 7 });
    expect(definition.instruction).toBe(`${template.systemInstruction}${fewShotBlock(chosen)}`);
    expect(definition.instruction).toContain('{{productType}}');
    expect(definition.fewShot).toEqual({ mode: 'static', examples: 2 });
    expect(definition).toMatchObject({ name: 'Refund assistant', languageCode: 'en-us', source: 'Prompt' });
    expect(definition.instructionTokens).toBeGreaterThan(50);
    expect(definition.budgetTokens).toBe(8192 - 512);
  });

  it('leaves similarity-chosen examples out of the instruction (they depend on each message)', async () => {
    const { template, examples } = await example();
    const similarity = { ...template, fewShot: { ...template.fewShot, strategy: 'similarity' as const } };
    const definition = guideDefinitionFromTemplate(similarity, examples);
    expect(definition.instruction).toBe(template.systemInstruction);
    expect(definition.fewShot).toEqual({ mode: 'per-message', examples: 0 });
  });

  it('types and describes every variable the template declares, holds or uses, defaults included', async () => {
    const { template } = await example();
    expect(guideVariablesOf(template)).toEqual([
      {
        name: 'productType',
        type: 'String',
        scope: 'Input',
        description: 'The product the customer bought, e.g. subscription, annual plan, hardware.',
      },
      {
        name: 'orderTotal',
        type: 'Number',
        scope: 'Input',
        description: "The order total in the customer's currency. (default: 0)",
      },
    ]);
    const bare: PromptTemplate = {
      systemInstruction: 'Help {{who}}.',
      userTemplate: '{{question}}',
      variables: { tone: 'calm' },
      contextWindowLimit: 1000,
    };
    expect(guideVariablesOf(bare)).toEqual([
      { name: 'tone', type: 'String', scope: 'Input', description: '(default: calm)' },
      { name: 'who', type: 'String', scope: 'Input' },
      { name: 'question', type: 'String', scope: 'Input' },
    ]);
  });

  it('names the guide: the caller, then guide.name, then id, then the fallback; none is an error naming guide.name', async () => {
    const { template } = await example();
    expect(guideDefinitionFromTemplate(template, [], { name: 'Override' }).name).toBe('Override');
    const { guide: _guide, ...noGuide } = template;
    expect(guideDefinitionFromTemplate(noGuide).name).toBe('guide-refunds');
    const { id: _id, ...anonymous } = noGuide;
    expect(guideDefinitionFromTemplate(anonymous, [], { fallbackName: 'from-file' }).name).toBe('from-file');
    const error = (() => {
      try {
        guideDefinitionFromTemplate(anonymous);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('guide.name');
  });

  it('checks the instruction against the template budget before anything is sent', async () => {
    const { template, examples } = await example();
    const tight = { ...template, contextWindowLimit: 40, maxOutputTokens: 10 };
    expect(() => guideDefinitionFromTemplate(tight, examples)).toThrow(TokenBudgetError);
    try {
      guideDefinitionFromTemplate(tight, examples);
    } catch (error) {
      expect((error as TokenBudgetError).budget).toBe(30);
      expect((error as TokenBudgetError).message).toContain('guide instruction');
    }
  });

  it('rejects a declaration type outside the guide variable types, naming the field', () => {
    const bad = {
      systemInstruction: 'x',
      userTemplate: 'y',
      contextWindowLimit: 100,
      declarations: { a: { type: 'List' } },
    } as unknown as PromptTemplate;
    expect(() => guideDefinitionFromTemplate(bad)).toThrow(/declarations\.a\.type/);
  });
});
