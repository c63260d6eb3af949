import { describe, expect, it } from 'vitest';
import { ConversationCreateRequestSchema } from '../../src/contract/conversation.js';
import { MissingVariablesError, TokenBudgetError, ValidationError } from '../../src/errors.js';
import { buildPromptPayload } from '../../src/prompt/payload.js';
import type { PromptTemplate } from '../../src/prompt/template.js';
import { countMessageTokens } from '../../src/prompt/tokens.js';

const ASSISTANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const seedTemplate: PromptTemplate = {
  systemInstruction: 'You are a compliance-aware financial assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  contextWindowLimit: 8192,
};

describe('buildPromptPayload', () => {
  it("builds exactly the seed's JSON shape and key order, with the corrected maxTokens", () => {
    const payload = buildPromptPayload(seedTemplate, ASSISTANT);
    expect(JSON.stringify(payload)).toBe(
      JSON.stringify({
        assistantId: ASSISTANT,
        messages: [
          { role: 'system', content: 'You are a compliance-aware financial assistant.' },
          { role: 'user', content: 'Explain the refund policy for subscription.' },
        ],
        settings: { maxTokens: 2048, temperature: 0.2, safetyPolicy: 'strict' },
      }),
    );
    expect(ConversationCreateRequestSchema.parse(payload)).toEqual(payload);
  });

  it("uses the template's settings and maxOutputTokens", () => {
    const payload = buildPromptPayload(
      { ...seedTemplate, maxOutputTokens: 300, settings: { temperature: 1.1, safetyPolicy: 'standard' } },
      ASSISTANT,
    );
    expect(payload.settings).toEqual({ maxTokens: 300, temperature: 1.1, safetyPolicy: 'standard' });
  });

  it('never gives the answer more than the context window leaves', () => {
    const template = { ...seedTemplate, contextWindowLimit: 30 };
    const payload = buildPromptPayload(template, ASSISTANT);
    const promptTokens = countMessageTokens(payload.messages);
    expect(payload.settings.maxTokens).toBe(30 - promptTokens);
  });

  it('throws TokenBudgetError when no token is left for the answer', () => {
    expect(() => buildPromptPayload({ ...seedTemplate, contextWindowLimit: 14 }, ASSISTANT)).toThrow(
      TokenBudgetError,
    );
  });

  it('overlays options.variables on the template variables', () => {
    const payload = buildPromptPayload(seedTemplate, ASSISTANT, { variables: { productType: 'hardware' } });
    expect(payload.messages[1]?.content).toBe('Explain the refund policy for hardware.');
  });

  it('interpolates the system instruction too', () => {
    const payload = buildPromptPayload(
      {
        ...seedTemplate,
        systemInstruction: 'You help {{company}} customers.',
        variables: { company: 'Acme', productType: 'x' },
      },
      ASSISTANT,
    );
    expect(payload.messages[0]?.content).toBe('You help Acme customers.');
  });

  it('is strict about missing variables, listing those of both messages in one error', () => {
    let caught: unknown;
    try {
      buildPromptPayload(
        { ...seedTemplate, systemInstruction: 'You help {{company}}.', variables: {} },
        ASSISTANT,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingVariablesError);
    expect((caught as MissingVariablesError).missing).toEqual(['company', 'productType']);
  });

  it("writes [MISSING_VARIABLE] with missing: 'placeholder'", () => {
    const payload = buildPromptPayload({ ...seedTemplate, variables: {} }, ASSISTANT, {
      missing: 'placeholder',
    });
    expect(payload.messages[1]?.content).toBe('Explain the refund policy for [MISSING_VARIABLE].');
  });

  it('places history between the system instruction and the user message, untouched', () => {
    const history = [
      { role: 'user' as const, content: 'Earlier {{question}}' },
      { role: 'assistant' as const, content: 'Earlier answer' },
    ];
    const payload = buildPromptPayload(seedTemplate, ASSISTANT, { history });
    expect(payload.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(payload.messages[1]).toEqual(history[0]);
  });

  it('rejects malformed history, naming the message', () => {
    const history = [{ role: 'bot', content: 'x' }] as unknown as [];
    expect(() => buildPromptPayload(seedTemplate, ASSISTANT, { history })).toThrow(/history\[0\]\.role/);
    expect(() =>
      buildPromptPayload(seedTemplate, ASSISTANT, { history: [{ role: 'user', content: '' }] }),
    ).toThrow(/history\[0\]\.content/);
  });

  it('validates the template first', () => {
    expect(() => buildPromptPayload({ ...seedTemplate, contextWindowLimit: 2_000_001 }, ASSISTANT)).toThrow(
      /contextWindowLimit/,
    );
  });

  it('rejects an empty assistant id', () => {
    expect(() => buildPromptPayload(seedTemplate, ' ')).toThrow(ValidationError);
  });

  it('rejects a message that is blank once interpolated', () => {
    expect(() =>
      buildPromptPayload(
        { ...seedTemplate, userTemplate: '{{productType}}', variables: { productType: ' ' } },
        ASSISTANT,
      ),
    ).toThrow(/userTemplate: is blank/);
  });

  it('counts with the chosen tokenizer', () => {
    const template = { ...seedTemplate, contextWindowLimit: 40 };
    const o200k = buildPromptPayload(template, ASSISTANT).settings.maxTokens;
    const heuristic = buildPromptPayload(template, ASSISTANT, { tokenizer: 'heuristic' }).settings.maxTokens;
    expect(o200k).toBe(40 - countMessageTokens(buildPromptPayload(template, ASSISTANT).messages));
    expect(heuristic).toBe(
      40 - countMessageTokens(buildPromptPayload(template, ASSISTANT).messages, 'heuristic'),
    );
    expect(o200k).not.toBe(heuristic);
  });
});
