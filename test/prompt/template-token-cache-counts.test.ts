/**
 * What the per-template token cache saves: each text is counted once per template and tokenizer,
 * texts over 64 Ki characters every time, and a full cache (2,048 texts) starts again. The
 * tokenizer is wrapped so the test sees every count it is asked for.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { templateTokenCounter } from '../../src/prompt/template-token-cache.js';
import { type PromptTemplate, validatePromptSchema } from '../../src/prompt/template.js';

const counted = vi.hoisted(() => [] as string[]);
vi.mock('../../src/prompt/tokens.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/prompt/tokens.js')>();
  return {
    ...actual,
    tokenCounter: (name?: Parameters<typeof actual.tokenCounter>[0]) => {
      const count = actual.tokenCounter(name);
      return (text: string) => {
        counted.push(text);
        return count(text);
      };
    },
  };
});

const template: PromptTemplate = {
  systemInstruction: 'You are the support assistant.',
  userTemplate: '{{question}}',
  variables: {},
  contextWindowLimit: 400,
  maxOutputTokens: 100,
};

/**
 * A template of its own for one test: templates are checked once by content, so an equal template
 * would share its validated copy, and with it the counts, with the other tests.
 */
const templateFor = (test: string): PromptTemplate => ({
  ...template,
  systemInstruction: `You are the support assistant (${test}).`,
});

beforeEach(() => {
  counted.length = 0;
});

describe('templateTokenCounter counts', () => {
  it('counts a text once per template and tokenizer', () => {
    const validated = validatePromptSchema(templateFor('once'));
    const counter = templateTokenCounter(validated);
    expect(counter('hello world')).toBe(2);
    expect(counter('hello world')).toBe(2);
    expect(counter('good morning')).toBe(2);
    expect(counted).toEqual(['hello world', 'good morning']);
    templateTokenCounter(validated, 'cl100k_base')('hello world');
    expect(counted).toHaveLength(3);
    // An equal template passed again is the same validated one: its counts are still there.
    templateTokenCounter(validatePromptSchema(templateFor('once')))('hello world');
    expect(counted).toHaveLength(3);
    templateTokenCounter(validatePromptSchema(templateFor('another')))('hello world');
    expect(counted).toHaveLength(4);
  });

  it('counts every time for a template that was not validated', () => {
    const counter = templateTokenCounter({ ...template });
    counter('hello world');
    counter('hello world');
    expect(counted).toEqual(['hello world', 'hello world']);
  });

  it('remembers texts up to 64 Ki characters, and counts longer ones every time', () => {
    const counter = templateTokenCounter(validatePromptSchema(templateFor('longest')));
    const longest = 'a'.repeat(64 * 1024);
    const over = `${longest}a`;
    for (const text of [longest, longest, over, over]) counter(text);
    expect(counted.map((t) => t.length)).toEqual([64 * 1024, 64 * 1024 + 1, 64 * 1024 + 1]);
  });

  it('starts again when 2,048 texts are remembered and another comes', () => {
    const counter = templateTokenCounter(validatePromptSchema(templateFor('full')));
    const texts = Array.from({ length: 2048 }, (_, i) => `text ${i}`);
    for (const text of texts) counter(text);
    counter('text 0'); // still remembered: the cache holds 2,048
    expect(counted).toHaveLength(2048);
    counter('text 2048'); // the 2,049th: the cache starts again with it
    counter('text 2048');
    counter('text 0');
    expect(counted.slice(2048)).toEqual(['text 2048', 'text 0']);
  });
});
