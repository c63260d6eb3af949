import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConversationCreateRequestSchema } from '../../src/contract/conversation.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../../src/prompt/load-template.js';
import { preparePrompt } from '../../src/prompt/prepare-prompt.js';

const examplesDir = join(import.meta.dirname, '..', '..', 'examples');
const dataFiles = readdirSync(examplesDir).filter((name) => /\.(ya?ml|json)$/i.test(name));
const isExamplesFile = (name: string): boolean => /examples\.(ya?ml|json)$/i.test(name);
const templates = dataFiles.filter((name) => !isExamplesFile(name));
const exampleFiles = dataFiles.filter(isExamplesFile);

describe('examples/', () => {
  it('holds the two templates and their examples files', () => {
    expect(templates).toEqual(expect.arrayContaining(['refund-policy.yaml', 'order-status.json']));
    expect(exampleFiles).toEqual(expect.arrayContaining(['refund-examples.yaml', 'support-examples.json']));
  });

  it.each(exampleFiles)('%s loads as valid few-shot examples', async (name) => {
    const examples = await loadFewShotExamples(join(examplesDir, name));
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  it.each(templates)(
    '%s loads, names an examples file that loads, and prepares a valid payload',
    async (name) => {
      const path = join(examplesDir, name);
      const template = await loadTemplate(path);
      const examplesPath = resolveFewShotPath(path, template);
      expect(examplesPath).toBeDefined();
      const examples = await loadFewShotExamples(examplesPath!);
      const variables = Object.fromEntries(
        Object.keys(template.declarations ?? {}).map((v) => [v, 'sample']),
      );
      const prepared = preparePrompt(template, 'a1b2c3d4-e5f6-7890-abcd-ef1234567890', examples, {
        variables,
      });
      expect(ConversationCreateRequestSchema.parse(prepared.payload)).toEqual(prepared.payload);
      expect(prepared.examples.length).toBe(template.fewShot?.count ?? 2);
      expect(prepared.promptTokens + prepared.maxTokens).toBeLessThanOrEqual(template.contextWindowLimit);
    },
  );

  it("refund-policy.yaml is the seed's example", async () => {
    const template = await loadTemplate(join(examplesDir, 'refund-policy.yaml'));
    expect(template).toMatchObject({
      systemInstruction: 'You are a compliance-aware financial assistant.',
      userTemplate: 'Explain the refund policy for {{productType}}.',
      contextWindowLimit: 8192,
      maxOutputTokens: 512,
      declarations: { productType: { required: true, maxLength: 64 } },
      settings: { temperature: 0.2, safetyPolicy: 'strict' },
      fewShot: { examples: 'refund-examples.yaml', strategy: 'similarity', count: 2, category: 'refunds' },
      variables: {},
    });
    const examples = await loadFewShotExamples(join(examplesDir, 'refund-examples.yaml'));
    expect(examples.length).toBeGreaterThanOrEqual(8);
    expect(new Set(examples.map((e) => e.category))).toEqual(new Set(['refunds', 'billing']));
  });

  it('refund-policy.yaml picks the most similar refund examples for the question asked', async () => {
    const path = join(examplesDir, 'refund-policy.yaml');
    const template = await loadTemplate(path);
    const examples = await loadFewShotExamples(resolveFewShotPath(path, template)!);
    const prepared = preparePrompt(template, 'a1', examples, {
      variables: { productType: 'hardware devices' },
    });
    expect(prepared.examples[0]?.input).toBe('Explain the refund policy for hardware devices.');
    for (const e of prepared.examples) expect(e.category).toBe('refunds');
  });

  it('order-status.json has two variables, customerName optional with a default', async () => {
    const template = await loadTemplate(join(examplesDir, 'order-status.json'));
    expect(Object.keys(template.declarations ?? {}).sort()).toEqual(['customerName', 'orderId']);
    const prepared = preparePrompt(template, 'a1', [], { variables: { orderId: 'ORD-2024-00042' } });
    expect(prepared.payload.messages[1]?.content).toBe(
      'Hello, I am a customer. What is the status of my order ORD-2024-00042?',
    );
    expect(() => preparePrompt(template, 'a1', [], {})).toThrow(/orderId/);
  });
});
