import { describe, expect, it } from 'vitest';
import { fewShotBlock, injectFewShotContext, type FewShotExample } from '../../src/prompt/few-shot.js';
import { formatExampleText, joinedText } from '../../src/prompt/few-shot-text.js';

const example = (n: number): FewShotExample => ({
  category: 'c',
  input: `question ${n}`,
  output: `answer ${n}`,
});

describe('few-shot texts', () => {
  it('hands out the same string for the same parts, and the exact concatenation', () => {
    const examples = [example(1), example(2)];
    const first = injectFewShotContext('System.', examples);
    expect(first).toBe(
      'System.\n\nReference Examples:\nExample Input: question 1\nExample Output: answer 1\n\n---\n\nExample Input: question 2\nExample Output: answer 2',
    );
    // Equal parts from other objects (and other arrays) find the same string.
    expect(Object.is(injectFewShotContext('System.', [example(1), example(2)]), first)).toBe(true);
    expect(fewShotBlock(examples)).toBe(first.slice('System.'.length));
    expect(injectFewShotContext('System.', [])).toBe('System.');
    expect(fewShotBlock([])).toBe('');
  });

  it('formats an example again once its fields changed', () => {
    const changing = example(3);
    expect(formatExampleText(changing)).toBe('Example Input: question 3\nExample Output: answer 3');
    changing.output = 'another answer';
    expect(formatExampleText(changing)).toBe('Example Input: question 3\nExample Output: another answer');
    expect(injectFewShotContext('S', [changing])).toContain('another answer');
  });

  it('stays exact past its bound (the trie starts again)', () => {
    for (let i = 0; i < 5000; i++) joinedText(`first ${i}`, '|', ['a', 'b'], ',');
    expect(joinedText('first 1', '|', ['a', 'b'], ',')).toBe('first 1|a,b');
    expect(joinedText('first 1', '|', ['a'], ',')).toBe('first 1|a');
  });
});
