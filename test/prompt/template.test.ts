import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  isValidatedTemplate,
  templateProblems,
  validatePromptSchema,
  type PromptTemplate,
} from '../../src/prompt/template.js';

const valid: PromptTemplate = {
  systemInstruction: 'You are a compliance-aware financial assistant.',
  userTemplate: 'Explain the refund policy for {{productType}}.',
  variables: { productType: 'subscription' },
  contextWindowLimit: 8192,
};

/** The ValidationError thrown for a template. */
function errorOf(template: unknown, file?: string): ValidationError {
  try {
    validatePromptSchema(template, file === undefined ? {} : { file });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('validatePromptSchema: accepted templates', () => {
  it("accepts the seed's four fields and returns the typed template (truthy)", () => {
    const result = validatePromptSchema(valid);
    expect(result).toEqual(valid);
    expect(result).toBeTruthy();
  });

  it('defaults variables to {} when omitted', () => {
    const { variables: _omit, ...rest } = valid;
    expect(validatePromptSchema(rest).variables).toEqual({});
  });

  it('accepts every optional field', () => {
    const full = {
      ...valid,
      id: 'refund',
      version: '1.0',
      maxOutputTokens: 512,
      declarations: { productType: { required: true, maxLength: 64, description: 'd', default: 'plan' } },
      settings: { temperature: 2, safetyPolicy: 'standard' },
      fewShot: { examples: 'x.yaml', strategy: 'similarity', count: 0, category: 'refunds', seed: -3 },
    };
    expect(validatePromptSchema(full)).toEqual(full);
  });

  it('accepts the limits themselves: 4096 characters, 2,000,000 tokens, temperature 0 and 2', () => {
    expect(() =>
      validatePromptSchema({ ...valid, systemInstruction: 'x'.repeat(4096), contextWindowLimit: 2_000_000 }),
    ).not.toThrow();
    expect(() => validatePromptSchema({ ...valid, settings: { temperature: 0 } })).not.toThrow();
  });

  it('does not mutate its input', () => {
    const input = structuredClone(valid);
    validatePromptSchema(input);
    expect(input).toEqual(valid);
    expect(Object.isFrozen(input) || Object.isFrozen(input.variables)).toBe(false);
  });

  it('returns a frozen template, and returns it as is when given it again (checked once)', () => {
    const result = validatePromptSchema(valid);
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.variables)).toBe(true);
    expect(isValidatedTemplate(result)).toBe(true);
    expect(isValidatedTemplate({ ...result })).toBe(false);
    expect(validatePromptSchema(result)).toBe(result);
  });
});

describe('validatePromptSchema: rejected templates name the field, the problem and the fix', () => {
  it('formats the message as file: field: problem; fix', () => {
    const error = errorOf({ ...valid, settings: { temperature: 3 } }, 'refund.yaml');
    expect(error.field).toBe('settings.temperature');
    expect(error.file).toBe('refund.yaml');
    expect(error.message).toBe(
      'refund.yaml: settings.temperature: must be between 0 and 2 (got 3); set settings.temperature to a number from 0 to 2',
    );
  });

  it.each([
    [{ ...valid, systemInstruction: '' }, 'systemInstruction', /must not be empty/],
    [{ ...valid, systemInstruction: ' \n\t ' }, 'systemInstruction', /must not be empty/],
    [
      { ...valid, systemInstruction: 'x'.repeat(4097) },
      'systemInstruction',
      /at most 4096 characters \(got 4097\)/,
    ],
    [{ ...valid, userTemplate: '' }, 'userTemplate', /must not be empty/],
    [{ ...valid, contextWindowLimit: 0 }, 'contextWindowLimit', /from 1 to 2000000 \(got 0\)/],
    [{ ...valid, contextWindowLimit: 2_000_001 }, 'contextWindowLimit', /from 1 to 2000000 \(got 2000001\)/],
    [{ ...valid, contextWindowLimit: 100.5 }, 'contextWindowLimit', /whole number/],
    [{ ...valid, contextWindowLimit: '8192' }, 'contextWindowLimit', /must be a number \(got "8192"\)/],
    [{ ...valid, maxOutputTokens: 0 }, 'maxOutputTokens', /1 or more \(got 0\)/],
    [{ ...valid, maxOutputTokens: 8192 }, 'maxOutputTokens', /less than contextWindowLimit \(8192 >= 8192\)/],
    [{ ...valid, settings: { temperature: -0.1 } }, 'settings.temperature', /between 0 and 2 \(got -0.1\)/],
    [
      { ...valid, settings: { safetyPolicy: 'lax' } },
      'settings.safetyPolicy',
      /one of "strict", "standard" \(got "lax"\)/,
    ],
    [
      { ...valid, declarations: { productType: { maxLength: 0 } } },
      'declarations.productType.maxLength',
      /1 or more/,
    ],
    [
      { ...valid, declarations: { productType: { maxLength: 2.5 } } },
      'declarations.productType.maxLength',
      /got 2.5/,
    ],
    [
      { ...valid, declarations: { productType: { required: 'yes' } } },
      'declarations.productType.required',
      /true or false/,
    ],
    [{ ...valid, variables: { productType: 42 } }, 'variables.productType', /must be a string \(got 42\)/],
    [{ ...valid, fewShot: { strategy: 'random' } }, 'fewShot.strategy', /"rotation", "similarity"/],
    [{ ...valid, fewShot: { count: -1 } }, 'fewShot.count', /0 or more/],
    [{ ...valid, fewShot: { seed: 1.5 } }, 'fewShot.seed', /whole number/],
    [{ ...valid, version: 1.2 }, 'version', /must be a string \(got 1.2\)/],
  ])('rejects %# on its field', (template, field, problem) => {
    const error = errorOf(template);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(problem);
    expect(error.fix.length).toBeGreaterThan(0);
    expect(error.message.endsWith(error.fix)).toBe(true);
  });

  it('says a missing required field is required', () => {
    const { contextWindowLimit: _omit, ...rest } = valid;
    const error = errorOf(rest, 't.json');
    expect(error.message).toBe(
      't.json: contextWindowLimit: is required; set contextWindowLimit to a whole number from 1 to 2000000',
    );
  });

  it('rejects anything that is not a mapping', () => {
    for (const input of [null, 5, 'text', [valid]]) expect(errorOf(input).field).toBe('template');
  });

  it('rejects unknown keys, naming the key and suggesting the right one', () => {
    const error = errorOf({ ...valid, settings: { temprature: 0.5 } }, 'refund.yaml');
    expect(error.field).toBe('settings.temprature');
    expect(error.message).toContain('unknown key "temprature"');
    expect(error.fix).toContain('did you mean "temperature"?');
  });

  it('reports a misspelt key before the "missing" field it explains', () => {
    const { contextWindowLimit: _omit, ...rest } = valid;
    const error = errorOf({ ...rest, contextwindowlimit: 8192 });
    expect(error.field).toBe('contextwindowlimit');
    expect(error.fix).toContain('did you mean "contextWindowLimit"?');
  });

  it('lists the allowed keys when no key is close', () => {
    const error = errorOf({ ...valid, declarations: { productType: { zzzzzz: 1 } } });
    expect(error.field).toBe('declarations.productType.zzzzzz');
    expect(error.fix).toBe('remove it (allowed here: required, maxLength, description, default, type)');
  });

  it('rejects a malformed placeholder, naming it', () => {
    const error = errorOf({ ...valid, userTemplate: 'Refund for {{ bad-name }}.' });
    expect(error.field).toBe('userTemplate');
    expect(error.message).toContain('malformed placeholder "{{ bad-name }}"');
    expect(errorOf({ ...valid, systemInstruction: 'You are {{1st}}.' }).field).toBe('systemInstruction');
  });

  it('accepts well-formed placeholders, with or without inner spaces', () => {
    expect(() => validatePromptSchema({ ...valid, userTemplate: '{{ a }} {{_b9}} {{C}}' })).not.toThrow();
  });

  it('rejects invalid variable names in declarations and variables', () => {
    expect(errorOf({ ...valid, declarations: { 'bad-name': {} } }).field).toBe('declarations.bad-name');
    expect(errorOf({ ...valid, variables: { '9lives': 'x' } }).field).toBe('variables.9lives');
  });

  it('rejects a declared default longer than its maxLength', () => {
    const error = errorOf({ ...valid, declarations: { productType: { maxLength: 3, default: 'annual' } } });
    expect(error.field).toBe('declarations.productType.default');
    expect(error.message).toContain('6 characters long but maxLength is 3');
  });

  it('reports every problem at once: the error is the first, `problems` lists each on its own', () => {
    const error = errorOf(
      {
        ...valid,
        systemInstruction: '',
        contextWindowLimit: -1,
        settings: { temperature: 9, tone: 'warm' },
        userTemplate: 'Hi {{ bad-name }} and {{2x}}',
        variables: { '9lives': 'x' },
      },
      'refund.yaml',
    );
    expect(error.problems.map((p) => p.field)).toEqual([
      'settings.tone',
      'systemInstruction',
      'contextWindowLimit',
      'settings.temperature',
      'userTemplate',
      'userTemplate',
      'variables.9lives',
    ]);
    expect(error.field).toBe('settings.tone');
    expect(error.message).toMatch(
      /^refund\.yaml: settings\.tone: unknown key "tone"; .* \(and 6 more problems: systemInstruction, contextWindowLimit, /,
    );
    for (const problem of error.problems) {
      expect(problem.file).toBe('refund.yaml');
      expect(problem.problems).toEqual([problem]);
      expect(problem.message.endsWith(problem.fix)).toBe(true);
    }
    expect(error.problems[4]?.problem).toBe('malformed placeholder "{{ bad-name }}"');
  });

  it('lists every unknown key of one mapping, each with its own suggestion', () => {
    const error = errorOf({ ...valid, settings: { temprature: 1, safetypolicy: 'strict' } });
    expect(error.problems.map((p) => p.fix)).toEqual([
      expect.stringContaining('did you mean "temperature"?'),
      expect.stringContaining('did you mean "safetyPolicy"?'),
    ]);
  });

  it('skips the cross-field rule of a field that already has a schema problem', () => {
    const error = errorOf({ ...valid, contextWindowLimit: -1, maxOutputTokens: 10 });
    expect(error.problems.map((p) => p.field)).toEqual(['contextWindowLimit']);
  });

  it('templateProblems returns every problem, and none for a valid template', () => {
    expect(templateProblems(valid)).toEqual([]);
    expect(templateProblems({ ...valid, contextWindowLimit: 0, version: 2 }).map((p) => p.field)).toEqual([
      'version',
      'contextWindowLimit',
    ]);
  });

  it('has no file in the message when none is given', () => {
    expect(errorOf({ ...valid, contextWindowLimit: 0 }).message.startsWith('contextWindowLimit: ')).toBe(
      true,
    );
  });
});
