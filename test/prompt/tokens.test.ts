import { describe, expect, it } from 'vitest';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import {
  countMessageTokens,
  estimateTokens,
  tokenCounter,
  type TokenizerName,
} from '../../src/prompt/tokens.js';

const plain = { disallowedSpecial: new Set<string>() };

describe('estimateTokens', () => {
  it('counts exactly with o200k_base by default (checked against gpt-tokenizer itself)', () => {
    for (const text of [
      'Hello, world!',
      'You are a compliance-aware financial assistant.',
      'Straße 東京 🚀',
    ]) {
      expect(estimateTokens(text)).toBe(encodeO200k(text).length);
    }
    expect(estimateTokens('Hello, world!')).toBe(4);
    expect(estimateTokens('Explain the refund policy for {{productType}}.')).toBe(10);
    expect(estimateTokens('Straße 東京 🚀')).toBe(5);
  });

  it('counts with cl100k_base when asked', () => {
    const text = 'Explain the refund policy for {{productType}}.';
    expect(estimateTokens(text, 'cl100k_base')).toBe(encodeCl100k(text).length);
    expect(estimateTokens(text, 'cl100k_base')).toBe(11);
    expect(estimateTokens('Straße 東京 🚀', 'cl100k_base')).toBe(8);
  });

  it("keeps the seed's heuristic: ceil(chars x 0.25)", () => {
    expect(estimateTokens('You are a compliance-aware financial assistant.', 'heuristic')).toBe(12);
    expect(estimateTokens('abc', 'heuristic')).toBe(1);
    expect(estimateTokens('abcde', 'heuristic')).toBe(2);
  });

  it('counts nothing for empty text', () => {
    for (const name of ['o200k_base', 'cl100k_base', 'heuristic'] as const)
      expect(estimateTokens('', name)).toBe(0);
  });

  it('counts special-token markers as plain text instead of throwing', () => {
    const text = 'a <|endoftext|> b';
    expect(estimateTokens(text)).toBe(encodeO200k(text, plain).length);
    expect(estimateTokens(text)).toBe(9);
  });

  it('rejects an unknown tokenizer name', () => {
    expect(() => estimateTokens('x', 'gpt2' as TokenizerName)).toThrow(/unknown tokenizer "gpt2"/);
  });
});

describe('countMessageTokens', () => {
  it('is the sum of the content counts, with no per-message overhead', () => {
    const messages = [
      { role: 'system' as const, content: 'You are a compliance-aware financial assistant.' },
      { role: 'user' as const, content: 'Hello, world!' },
    ];
    expect(countMessageTokens(messages)).toBe(8 + 4);
    expect(countMessageTokens(messages, 'heuristic')).toBe(12 + 4);
    expect(countMessageTokens([])).toBe(0);
  });
});

describe('tokenCounter', () => {
  it('returns a counter equal to estimateTokens', () => {
    const count = tokenCounter('cl100k_base');
    expect(count('Straße 東京 🚀')).toBe(estimateTokens('Straße 東京 🚀', 'cl100k_base'));
    expect(tokenCounter()('Hello, world!')).toBe(4);
  });
});
