import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { loadFewShotExamples, loadTemplate, resolveFewShotPath } from '../../src/prompt/load-template.js';
import type { PromptTemplate } from '../../src/prompt/template.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'prompt');
const fixture = (name: string): string => join(fixtures, name);

// Files with syntax errors are written at run time, so that `prettier --check .` does not trip on them.
let broken = '';
const brokenFile = (name: string): string => join(broken, name);
beforeAll(async () => {
  broken = await mkdtemp(join(tmpdir(), 'prompt-syntax-'));
  await writeFile(
    brokenFile('syntax-error.yaml'),
    'systemInstruction: You are helpful.\nuserTemplate: Hi {{name}}\ncontextWindowLimit: [8192\nsettings:\n  temperature: 0.2\n',
  );
  await writeFile(
    brokenFile('syntax-error.json'),
    '{\n  "systemInstruction": "You are helpful.",\n  "userTemplate": "Hi {{name}}"\n  "contextWindowLimit": 4096\n}\n',
  );
});
afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

/** The ValidationError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('loadTemplate', () => {
  it('loads and validates YAML, with a case-insensitive extension', async () => {
    const template = await loadTemplate(fixture('upper-extension.YML'));
    expect(template).toEqual({
      systemInstruction: 'You are helpful.',
      userTemplate: 'Hi {{name}}',
      contextWindowLimit: 4096,
      variables: { name: 'Ann' },
    });
  });

  it('names the file, the field and the fix for a schema problem', async () => {
    const path = fixture('bad-temperature.yaml');
    const error = await rejection(loadTemplate(path));
    expect(error.file).toBe(path);
    expect(error.field).toBe('settings.temperature');
    expect(error.message).toBe(
      `${path}: settings.temperature: must be between 0 and 2 (got 3); set settings.temperature to a number from 0 to 2`,
    );
  });

  it('reports every schema problem of the file at once, each naming the file', async () => {
    const path = brokenFile('many-problems.yaml');
    await writeFile(
      path,
      'systemInstruction: ""\nuserTemplate: Hi {{name}}\ncontextWindowLimit: 0\nsettings:\n  temprature: 0.2\n',
    );
    const error = await rejection(loadTemplate(path));
    expect(error.problems.map((p) => p.field)).toEqual([
      'settings.temprature',
      'systemInstruction',
      'contextWindowLimit',
    ]);
    expect(error.problems.every((p) => p.file === path && p.message.startsWith(`${path}: `))).toBe(true);
  });

  it('names the file and the line of a YAML syntax error', async () => {
    const path = brokenFile('syntax-error.yaml');
    const error = await rejection(loadTemplate(path));
    expect(error.field).toBe('file');
    expect(error.file).toBe(path);
    expect(error.message).toContain(`${path}: file: is not valid YAML at line 4, column 1 (Flow sequence`);
    expect(error.fix).toBe('fix the YAML syntax at line 4');
  });

  it('rejects a duplicated YAML key, naming its line', async () => {
    const error = await rejection(loadTemplate(fixture('duplicate-key.yaml')));
    expect(error.message).toContain('at line 4, column 1');
    expect(error.message).toContain('Map keys must be unique');
  });

  it('names the file and the line of a JSON syntax error', async () => {
    const path = brokenFile('syntax-error.json');
    const error = await rejection(loadTemplate(path));
    expect(error.file).toBe(path);
    expect(error.message).toContain('is not valid JSON at line 4, column 3');
    expect(error.fix).toBe('fix the JSON syntax at line 4');
  });

  it('rejects an unknown key in a JSON template, suggesting the right one', async () => {
    const error = await rejection(loadTemplate(fixture('unknown-key.json')));
    expect(error.field).toBe('fewshot');
    expect(error.fix).toContain('did you mean "fewShot"?');
    expect(error.message).toContain('unknown-key.json');
  });

  it('rejects a malformed placeholder in a file, naming it and the file', async () => {
    const error = await rejection(loadTemplate(fixture('malformed-placeholder.yml')));
    expect(error.message).toContain(
      'malformed-placeholder.yml: userTemplate: malformed placeholder "{{ bad-name }}"',
    );
  });

  it('rejects an empty file as not being a template', async () => {
    const error = await rejection(loadTemplate(fixture('empty.yaml')));
    expect(error.field).toBe('template');
    expect(error.message).toContain('empty.yaml');
  });

  it('rejects an unsupported extension on field file', async () => {
    const error = await rejection(loadTemplate(fixture('template.txt')));
    expect(error.field).toBe('file');
    expect(error.message).toContain('unsupported extension ".txt"');
    expect(error.fix).toBe('use a .yaml, .yml or .json file');
  });

  it('says when the file does not exist', async () => {
    const path = fixture('missing.yaml');
    const error = await rejection(loadTemplate(path));
    expect(error.message).toBe(`${path}: file: does not exist; check the path and the file permissions`);
  });
});

describe('loadFewShotExamples', () => {
  it('loads a list or {examples: [...]}', async () => {
    const wrapped = await loadFewShotExamples(fixture('examples-wrapped.yaml'));
    expect(wrapped).toEqual([{ input: 'Where is my order?', output: 'On its way.', category: 'orders' }]);
  });

  it('names the example and field that is wrong', async () => {
    const error = await rejection(loadFewShotExamples(fixture('bad-examples.yaml')));
    expect(error.field).toBe('examples[1].output');
    expect(error.message).toContain('bad-examples.yaml: examples[1].output: is required');
    expect(error.fix).toBe('set examples[1].output to a non-empty string');
  });

  it('reports the problems of every example at once', async () => {
    const path = brokenFile('many-bad-examples.yaml');
    await writeFile(
      path,
      '- {input: a, output: b, category: c}\n- {input: "", output: b, category: c}\n- {input: a, category: c, extra: 1}\n',
    );
    const error = await rejection(loadFewShotExamples(path));
    expect(error.problems.map((p) => p.field)).toEqual([
      'examples[1].input',
      'examples[2].extra',
      'examples[2].output',
    ]);
  });

  it('rejects a misspelt key, suggesting the right one', async () => {
    const error = await rejection(loadFewShotExamples(fixture('examples-typo.json')));
    expect(error.field).toBe('examples[0].ouput');
    expect(error.fix).toContain('did you mean "output"?');
  });

  it('rejects anything but a list', async () => {
    const error = await rejection(loadFewShotExamples(fixture('examples-not-list.yaml')));
    expect(error.field).toBe('examples');
    expect(error.message).toContain('must be a list');
  });

  it('rejects a syntax error with the line', async () => {
    const error = await rejection(loadFewShotExamples(brokenFile('syntax-error.json')));
    expect(error.message).toContain('line 4');
  });
});

describe('resolveFewShotPath', () => {
  const template = (examples?: string): PromptTemplate => ({
    systemInstruction: 's',
    userTemplate: 'u',
    variables: {},
    contextWindowLimit: 100,
    ...(examples === undefined ? {} : { fewShot: { examples } }),
  });

  it("resolves the examples path against the template's folder", () => {
    expect(resolveFewShotPath(join('examples', 'refund-policy.yaml'), template('refund-examples.yaml'))).toBe(
      join('examples', 'refund-examples.yaml'),
    );
    expect(resolveFewShotPath('/a/b/t.yaml', template('../c/e.json'))).toBe('/a/c/e.json');
  });

  it('keeps an absolute path and returns undefined when the template names none', () => {
    expect(resolveFewShotPath('/a/t.yaml', template('/x/e.yaml'))).toBe('/x/e.yaml');
    expect(resolveFewShotPath('/a/t.yaml', template())).toBeUndefined();
  });
});
