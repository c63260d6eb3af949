/**
 * Every problem of a template as a user reads it: field, problem, fix and file, for the rules that
 * span fields (maxOutputTokens against contextWindowLimit, placeholders, variable names, a default
 * longer than its maxLength), the numeric rules, unknown keys at any depth, and a template that is
 * not a mapping. A validated template is frozen through and known again.
 */
import { describe, expect, it } from 'vitest';
import { isValidatedTemplate, templateProblems, validatePromptSchema } from '../../src/prompt/template.js';

const base = {
  systemInstruction: 'You help.',
  userTemplate: '{{question}}',
  contextWindowLimit: 1000,
  maxOutputTokens: 100,
};
const NAME_FIX = 'use letters, digits and underscores, not starting with a digit';
const TOP_KEYS =
  'id, version, systemInstruction, userTemplate, variables, contextWindowLimit, maxOutputTokens, declarations, settings, fewShot, guide';

/** [field, problem, fix, file] of each problem, in order. */
const problems = (template: unknown, file?: string) =>
  templateProblems(template, file === undefined ? {} : { file }).map((e) => [
    e.field,
    e.problem,
    e.fix,
    e.file,
  ]);

describe('templateProblems', () => {
  it('wants maxOutputTokens below contextWindowLimit, once both are valid numbers', () => {
    expect(problems({ ...base, maxOutputTokens: 1000 }, 't.yaml')).toEqual([
      [
        'maxOutputTokens',
        'must be less than contextWindowLimit (1000 >= 1000)',
        'lower maxOutputTokens or raise contextWindowLimit, so that the prompt has room too',
        't.yaml',
      ],
    ]);
    expect(problems({ ...base, maxOutputTokens: 999 })).toEqual([]);
    // Each broken on its own: only their own rules are reported.
    expect(problems({ ...base, maxOutputTokens: 0, contextWindowLimit: 0 }, 't.yaml')).toEqual([
      [
        'contextWindowLimit',
        'must be a whole number from 1 to 2000000 (got 0)',
        'set contextWindowLimit to a whole number from 1 to 2000000',
        't.yaml',
      ],
      [
        'maxOutputTokens',
        'must be a whole number of 1 or more (got 0)',
        'set maxOutputTokens to a whole number below contextWindowLimit (or remove it for 2048)',
        't.yaml',
      ],
    ]);
    expect(problems({ ...base, maxOutputTokens: 'x', contextWindowLimit: 10 })).toEqual([
      [
        'maxOutputTokens',
        'must be a number (got "x")',
        'set maxOutputTokens to a whole number below contextWindowLimit (or remove it for 2048)',
        undefined,
      ],
    ]);
  });

  it('words a number out of its rule by the rule, and a value of another type by its type', () => {
    const fix = 'set contextWindowLimit to a whole number from 1 to 2000000';
    expect(problems({ ...base, contextWindowLimit: 1.5 })).toEqual([
      ['contextWindowLimit', 'must be a whole number from 1 to 2000000 (got 1.5)', fix, undefined],
    ]);
    expect(problems({ ...base, contextWindowLimit: 'big' })).toEqual([
      ['contextWindowLimit', 'must be a number (got "big")', fix, undefined],
    ]);
    expect(problems({ ...base, settings: { temperature: 5 } })).toEqual([
      [
        'settings.temperature',
        'must be between 0 and 2 (got 5)',
        'set settings.temperature to a number from 0 to 2',
        undefined,
      ],
    ]);
    expect(problems({ ...base, fewShot: { count: -1 } })).toEqual([
      [
        'fewShot.count',
        'must be a whole number of 0 or more (got -1)',
        'set fewShot.count to a whole number of 0 or more',
        undefined,
      ],
    ]);
  });

  it('names each malformed placeholder', () => {
    const fix = 'write placeholders as {{name}}: letters, digits and underscores, not starting with a digit';
    expect(problems({ ...base, systemInstruction: 'Hi {{ 1bad }} and {{x-y}}' }, 't.yaml')).toEqual([
      ['systemInstruction', 'malformed placeholder "{{ 1bad }}"', fix, 't.yaml'],
      ['systemInstruction', 'malformed placeholder "{{x-y}}"', fix, 't.yaml'],
    ]);
  });

  it('checks declarations: their names, their shape, and a default longer than its maxLength', () => {
    const declarations = {
      '1x': { required: false },
      a: null,
      b: { default: 'ab', maxLength: 1 },
      c: { default: 'abc', maxLength: 3 },
      d: { default: 'abcd', maxLength: 0 },
    };
    expect(problems({ ...base, declarations }, 't.yaml')).toEqual([
      [
        'declarations.a',
        'must be a mapping (got null)',
        'set declarations.a to a mapping with required, maxLength, description, default or type',
        't.yaml',
      ],
      [
        'declarations.d.maxLength',
        'must be a whole number of 1 or more (got 0)',
        'set declarations.d.maxLength to a whole number of 1 or more',
        't.yaml',
      ],
      ['declarations.1x', '"1x" is not a valid variable name', NAME_FIX, 't.yaml'],
      [
        'declarations.b.default',
        'is 2 characters long but maxLength is 1',
        'shorten declarations.b.default or raise declarations.b.maxLength',
        't.yaml',
      ],
    ]);
  });

  it('checks the names of variables', () => {
    expect(problems({ ...base, variables: { 'bad name': 'x' } }, 't.yaml')).toEqual([
      ['variables.bad name', '"bad name" is not a valid variable name', NAME_FIX, 't.yaml'],
    ]);
  });

  it('suggests the key meant at any depth, or lists the allowed ones', () => {
    expect(problems({ ...base, systemInstrucion: 'x' })[0]).toEqual([
      'systemInstrucion',
      'unknown key "systemInstrucion"',
      `did you mean "systemInstruction"? (allowed here: ${TOP_KEYS})`,
      undefined,
    ]);
    expect(problems({ ...base, zzz: 1 }, 't.yaml')).toEqual([
      ['zzz', 'unknown key "zzz"', `remove it (allowed here: ${TOP_KEYS})`, 't.yaml'],
    ]);
    expect(problems({ ...base, declarations: { x: { maxLenght: 3 } } })).toEqual([
      [
        'declarations.x.maxLenght',
        'unknown key "maxLenght"',
        'did you mean "maxLength"? (allowed here: required, maxLength, description, default, type)',
        undefined,
      ],
    ]);
    expect(problems({ ...base, fewShot: { cout: 3 } })[0]?.[2]).toBe(
      'did you mean "count"? (allowed here: examples, strategy, count, category, seed)',
    );
    expect(problems({ ...base, settings: { temprature: 1 } })[0]?.[2]).toBe(
      'did you mean "temperature"? (allowed here: temperature, safetyPolicy)',
    );
  });

  it('asks for a mapping when the template is not one', () => {
    const fix = 'write the template as a mapping with systemInstruction, userTemplate and contextWindowLimit';
    for (const [template, got] of [
      [[], 'a list'],
      [null, 'null'],
      ['text', '"text"'],
    ] as const) {
      expect(problems(template, 't.yaml')).toEqual([
        ['template', `must be a mapping (got ${got})`, fix, 't.yaml'],
      ]);
    }
  });
});

describe('validatePromptSchema', () => {
  it('throws the first problem naming the file, listing the others', () => {
    expect(() => validatePromptSchema({ ...base, maxOutputTokens: 1000 }, { file: 'f.yaml' })).toThrow(
      'f.yaml: maxOutputTokens: must be less than contextWindowLimit (1000 >= 1000); lower maxOutputTokens or raise contextWindowLimit, so that the prompt has room too',
    );
  });

  it('returns the template frozen through, and knows it again', () => {
    const template = validatePromptSchema({
      ...base,
      settings: { temperature: 1 },
      declarations: { question: { maxLength: 5 } },
    });
    expect(Object.isFrozen(template)).toBe(true);
    expect(Object.isFrozen(template.settings)).toBe(true);
    expect(Object.isFrozen(template.declarations?.question)).toBe(true);
    expect(validatePromptSchema(template)).toBe(template);
    expect(isValidatedTemplate(template)).toBe(true);
    expect(isValidatedTemplate({ ...template })).toBe(false);
    expect(isValidatedTemplate(null)).toBe(false);
    expect(isValidatedTemplate('template')).toBe(false);
  });
});
