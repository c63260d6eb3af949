import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, InputTooLargeError, ValidationError } from '../../src/errors.js';
import { DEFAULT_PROMPT_INPUT_LIMITS, inputLimit } from '../../src/prompt/input-limits.js';
import { loadFewShotExamples, loadTemplate } from '../../src/prompt/load-template.js';
import { buildPromptPayload } from '../../src/prompt/payload.js';
import { preparePrompt } from '../../src/prompt/prepare-prompt.js';
import type { PromptTemplate } from '../../src/prompt/template.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prompt-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const TEMPLATE =
  'systemInstruction: You are helpful.\nuserTemplate: "Hi {{name}}"\ncontextWindowLimit: 4096\n';
const template: PromptTemplate = {
  systemInstruction: 'You are helpful.',
  userTemplate: 'Hi {{name}}',
  contextWindowLimit: 4096,
  variables: {},
};

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('inputLimit', () => {
  it('takes the default when no limits or no value is given, and a whole number of 1 or more', () => {
    expect(inputLimit(undefined, 'maxTemplateBytes')).toBe(1024 * 1024);
    expect(inputLimit({}, 'maxExamplesBytes')).toBe(16 * 1024 * 1024);
    expect(inputLimit({ maxVariableChars: 1 }, 'maxVariableChars')).toBe(1);
  });

  it('names the limit, the value and the default when the value is not a whole number of 1 or more', () => {
    expect(() => inputLimit({ maxVariableChars: 0 }, 'maxVariableChars')).toThrow(
      new ConfigurationError(
        'maxVariableChars',
        'must be a whole number of 1 or more (got 0)',
        `set maxVariableChars to a whole number, or leave it out for ${1024 * 1024}`,
      ),
    );
    expect(() => inputLimit({ maxTemplateBytes: '5' as unknown as number }, 'maxTemplateBytes')).toThrow(
      'maxTemplateBytes: must be a whole number of 1 or more (got 5)',
    );
  });
});

describe('file size limits', () => {
  it('refuses a 50 MB template before reading it whole or parsing it, naming the limit and its option', async () => {
    const path = join(dir, 'huge.yaml');
    // A sparse file of NUL bytes: not YAML at all, so a parser that saw it would report a syntax error.
    const handle = await open(path, 'w');
    await handle.truncate(50 * 1024 * 1024);
    await handle.close();
    const error = await rejection(loadTemplate(path));
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect(error).toBeInstanceOf(ValidationError);
    const tooLarge = error as InputTooLargeError;
    expect(tooLarge.option).toBe('maxTemplateBytes');
    expect(tooLarge.limit).toBe(DEFAULT_PROMPT_INPUT_LIMITS.maxTemplateBytes);
    expect(tooLarge.file).toBe(path);
    expect(tooLarge.code).toBe('input.too.large');
    expect(tooLarge.message).toBe(
      `${path}: file: is 52428800 bytes, over maxTemplateBytes (1048576 bytes); shorten it, or raise maxTemplateBytes`,
    );
  });

  it('takes a raised or lowered maxTemplateBytes', async () => {
    const path = join(dir, 'small.yaml');
    await writeFile(path, TEMPLATE);
    const error = await rejection(loadTemplate(path, { maxTemplateBytes: 20 }));
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect((error as InputTooLargeError).limit).toBe(20);
    await expect(loadTemplate(path, { maxTemplateBytes: TEMPLATE.length })).resolves.toMatchObject({
      contextWindowLimit: 4096,
    });
  });

  it('refuses an examples file over maxExamplesBytes', async () => {
    const path = join(dir, 'examples.yaml');
    await writeFile(path, '- {input: a, output: b, category: c}\n'.repeat(10));
    const error = await rejection(loadFewShotExamples(path, { maxExamplesBytes: 100 }));
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect((error as InputTooLargeError).option).toBe('maxExamplesBytes');
    await expect(loadFewShotExamples(path)).resolves.toHaveLength(10);
  });

  it('rejects a limit that is not a whole number of 1 or more', async () => {
    const path = join(dir, 'small.yaml');
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      await expect(loadTemplate(path, { maxTemplateBytes: bad })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });

  it('still says when the file does not exist or is a folder', async () => {
    await expect(loadTemplate(join(dir, 'missing.yaml'))).rejects.toThrow(/does not exist/);
    await mkdir(join(dir, 'folder.yaml'));
    await expect(loadTemplate(join(dir, 'folder.yaml'))).rejects.toThrow(/cannot be read \(EISDIR\)/);
  });
});

describe('variable value length', () => {
  it('refuses a value over maxVariableChars before interpolating or counting it', () => {
    const long = 'x'.repeat(DEFAULT_PROMPT_INPUT_LIMITS.maxVariableChars + 1);
    for (const run of [
      () => preparePrompt(template, 'assistant', [], { variables: { name: long } }),
      () => buildPromptPayload(template, 'assistant', { variables: { name: long } }),
    ]) {
      let error: unknown;
      try {
        run();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(InputTooLargeError);
      expect((error as InputTooLargeError).field).toBe('variables.name');
      expect((error as InputTooLargeError).message).toContain(
        `is ${long.length} characters, over maxVariableChars (1048576 characters); shorten it, or raise maxVariableChars`,
      );
    }
  });

  it('takes a lowered or raised maxVariableChars, and checks values from the template too', () => {
    expect(() =>
      preparePrompt(template, 'assistant', [], { variables: { name: 'Ann' }, maxVariableChars: 2 }),
    ).toThrow(InputTooLargeError);
    expect(() =>
      preparePrompt({ ...template, variables: { name: 'Annabel' } }, 'assistant', [], {
        maxVariableChars: 3,
      }),
    ).toThrow(/variables\.name: is 7 characters/);
    const prepared = preparePrompt(template, 'assistant', [], {
      variables: { name: 'y'.repeat(2000) },
      maxVariableChars: 2000,
    });
    expect(prepared.payload.messages[1]?.content).toBe(`Hi ${'y'.repeat(2000)}`);
  });
});
