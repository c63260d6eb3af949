/**
 * The checks on what a caller passes with a template, each with its exact field, problem and fix:
 * the assistant id, the answer allowance, blank or missing variables, the history, and an examples
 * file (a list or `{examples: [...]}`, every problem of every example reported).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PromptMessage } from '../../src/contract/conversation.js';
import { MissingVariablesError, TokenBudgetError, ValidationError } from '../../src/errors.js';
import { loadFewShotExamples } from '../../src/prompt/load-template.js';
import { answerAllowance, checkAssistantId } from '../../src/prompt/payload.js';
import { checkHistory, renderTemplate } from '../../src/prompt/render-template.js';
import type { PromptTemplate } from '../../src/prompt/template.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prompt-checks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const template = (systemInstruction: string, userTemplate: string): PromptTemplate => ({
  systemInstruction,
  userTemplate,
  variables: {},
  contextWindowLimit: 100,
});

describe('checkAssistantId', () => {
  it('refuses a blank or missing id, naming the option', () => {
    for (const id of ['  ', 5 as unknown as string]) {
      expect(thrown(() => checkAssistantId(id))).toMatchObject({
        field: 'assistantId',
        problem: 'must not be empty',
        fix: 'pass the id of the AI assistant (--assistant)',
      });
    }
    expect(checkAssistantId(' a1 ')).toBe(' a1 ');
  });
});

describe('answerAllowance', () => {
  it('leaves what the window has left, down to one token, and refuses none', () => {
    expect(answerAllowance({ ...template('s', 'u'), maxOutputTokens: 50 }, 99)).toBe(1);
    expect(answerAllowance({ ...template('s', 'u'), maxOutputTokens: 50 }, 10)).toBe(50);
    const error = thrown(() => answerAllowance(template('s', 'u'), 100));
    expect(error).toBeInstanceOf(TokenBudgetError);
    expect((error as Error).message).toContain(
      'need 100 tokens but the budget is 100 (the whole prompt; no token is left for the answer)',
    );
  });
});

describe('renderTemplate', () => {
  it('reports the missing names of both texts together, each once, in order', () => {
    const error = thrown(() => renderTemplate(template('{{a}}', '{{b}} {{a}} {{c}}')));
    expect(error).toBeInstanceOf(MissingVariablesError);
    expect((error as MissingVariablesError).missing).toEqual(['a', 'b', 'c']);
  });

  it('refuses a text that is blank once filled in, naming it', () => {
    expect(
      thrown(() => renderTemplate(template('{{a}}', '{{b}}'), { variables: { a: ' \n', b: 'x' } })),
    ).toMatchObject({
      field: 'systemInstruction',
      problem: 'is blank once its variables are filled in',
      fix: 'give the variables of systemInstruction non-blank values',
    });
    expect(
      thrown(() => renderTemplate(template('{{a}}', '{{b}}'), { variables: { a: 'x', b: ' ' } })),
    ).toMatchObject({
      field: 'userTemplate',
      problem: 'is blank once its variables are filled in',
      fix: 'give the variables of userTemplate non-blank values',
    });
  });
});

describe('checkHistory', () => {
  const fix = 'pass each history message as {role: "system" | "user" | "assistant", content: non-empty text}';

  it('names the message and its field, or the message when it is not one', () => {
    const bad = (message: unknown) =>
      thrown(() => checkHistory([{ role: 'user', content: 'ok' }, message as PromptMessage]));
    expect(bad({ role: 'robot', content: 'x' })).toMatchObject({ field: 'history[1].role', fix });
    expect(bad({ role: 'user', content: '' })).toMatchObject({ field: 'history[1].content', fix });
    const notAnObject = bad(5);
    expect(notAnObject).toBeInstanceOf(ValidationError);
    expect(notAnObject).toMatchObject({ field: 'history[1]', fix });
    expect((notAnObject as ValidationError).problem).toMatch(/expected object/);
    expect(checkHistory()).toEqual([]);
  });
});

describe('loadFewShotExamples', () => {
  async function examplesFile(text: string): Promise<string> {
    const path = join(dir, `examples-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(path, text);
    return path;
  }
  const notAList = {
    field: 'examples',
    problem: 'must be a list of {input, output, category}',
    fix: 'write the examples as a list, or as {examples: [...]}',
  };

  it('takes a list, or a mapping holding only examples', async () => {
    const one = '{input: i, output: o, category: c}';
    const expected = [{ input: 'i', output: 'o', category: 'c' }];
    expect(await loadFewShotExamples(await examplesFile(`- ${one}`))).toEqual(expected);
    expect(await loadFewShotExamples(await examplesFile(`examples:\n  - ${one}`))).toEqual(expected);
    for (const text of ['a: 1', `examples: [${one}]\nother: 1`, 'just text']) {
      const path = await examplesFile(text);
      await expect(loadFewShotExamples(path)).rejects.toMatchObject({ ...notAList, file: path });
    }
  });

  it('reports every problem of every example, each with its fix', async () => {
    const path = await examplesFile(
      [
        '- {input: i, output: o, categry: c}',
        '- 5',
        '- {input: "", output: o, category: c}',
        '- {input: i, output: o, category: c, zzzzzz: 1}',
      ].join('\n'),
    );
    const error = await loadFewShotExamples(path).catch((e: unknown) => e as ValidationError);
    expect(error).toBeInstanceOf(ValidationError);
    const problems = (error as ValidationError).problems.map((p) => [p.field, p.problem, p.fix, p.file]);
    const shape = (i: number) => `write examples[${i}] as {input, output, category}, each a non-empty string`;
    expect(problems).toEqual([
      [
        'examples[0].categry',
        'unknown key "categry"',
        'did you mean "category"? (allowed: input, output, category)',
        path,
      ],
      ['examples[0].category', 'is required', 'set examples[0].category to a non-empty string', path],
      ['examples[1]', 'must be a mapping (got 5)', shape(1), path],
      ['examples[2].input', 'must not be empty', 'set examples[2].input to a non-empty string', path],
      ['examples[3].zzzzzz', 'unknown key "zzzzzz"', 'remove it (allowed: input, output, category)', path],
    ]);
    expect((error as Error).message).toContain(
      '(and 4 more problems: examples[0].category, examples[1], examples[2].input, examples[3].zzzzzz)',
    );
  });
});
