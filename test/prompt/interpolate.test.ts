import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MissingVariablesError, ValidationError } from '../../src/errors.js';
import { interpolate, MISSING_VARIABLE_MARKER, placeholdersOf } from '../../src/prompt/interpolate.js';

describe('interpolate', () => {
  it('replaces every placeholder with its value', () => {
    expect(
      interpolate('Refund for {{productType}} ({{productType}}) by {{name}}.', {
        productType: 'plan',
        name: 'Ann',
      }),
    ).toBe('Refund for plan (plan) by Ann.');
  });

  it('accepts whitespace inside the braces', () => {
    expect(interpolate('Hi {{ name }}!', { name: 'Ann' })).toBe('Hi Ann!');
  });

  it('is a single pass: a value containing {{x}} stays literal', () => {
    expect(interpolate('{{a}} and {{b}}', { a: '{{b}}', b: 'B' })).toBe('{{b}} and B');
  });

  it('counts an empty string as a value', () => {
    expect(interpolate('[{{a}}]', { a: '' })).toBe('[]');
  });

  it('throws one MissingVariablesError listing every missing name once, in order of appearance', () => {
    let caught: unknown;
    try {
      interpolate('{{b}} {{a}} {{b}} {{c}} {{present}}', { present: 'x' }, { file: 'refund.yaml' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MissingVariablesError);
    const error = caught as MissingVariablesError;
    expect(error.missing).toEqual(['b', 'a', 'c']);
    expect(error.message).toContain('refund.yaml');
    expect(error.message).toContain('{{b}}, {{a}}, {{c}}');
    expect(error.message).toContain('--var b=...');
  });

  it("writes [MISSING_VARIABLE] in placeholder mode (the seed's behaviour)", () => {
    expect(interpolate('for {{productType}}.', {}, { missing: 'placeholder' })).toBe(
      `for ${MISSING_VARIABLE_MARKER}.`,
    );
  });

  it('does not take inherited properties as values', () => {
    expect(() => interpolate('{{constructor}} {{toString}}', {})).toThrow(MissingVariablesError);
  });

  it('fills a missing value with the declared default', () => {
    expect(interpolate('Hi {{name}}', {}, { declarations: { name: { default: 'there' } } })).toBe('Hi there');
    expect(
      interpolate('Hi {{name}}', { name: 'Ann' }, { declarations: { name: { default: 'there' } } }),
    ).toBe('Hi Ann');
  });

  it('leaves an optional variable with no default empty', () => {
    expect(interpolate('Hi{{name}}', {}, { declarations: { name: { required: false } } })).toBe('Hi');
  });

  it('rejects a value longer than its declared maxLength, naming variables.<name> and the fix', () => {
    const declarations = { productType: { maxLength: 5 } };
    expect(interpolate('{{productType}}', { productType: 'plans' }, { declarations })).toBe('plans');
    let caught: unknown;
    try {
      interpolate('{{productType}}', { productType: 'annual plan' }, { declarations, file: 't.yaml' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).field).toBe('variables.productType');
    expect((caught as ValidationError).message).toBe(
      't.yaml: variables.productType: is 11 characters long but declarations.productType.maxLength is 5; shorten the value of productType to at most 5 characters',
    );
  });

  it('measures maxLength in characters, not UTF-16 units', () => {
    expect(interpolate('{{e}}', { e: '🚀🚀' }, { declarations: { e: { maxLength: 2 } } })).toBe('🚀🚀');
  });

  it('leaves malformed placeholders as written', () => {
    expect(interpolate('{{ bad-name }} {{1x}} {{ok}}', { ok: 'y' })).toBe('{{ bad-name }} {{1x}} y');
  });
});

describe('placeholdersOf', () => {
  it('lists distinct valid names in order of first appearance', () => {
    expect(placeholdersOf('{{b}} {{ a }} {{b}} {{bad-name}} {{_c1}}')).toEqual(['b', 'a', '_c1']);
    expect(placeholdersOf('no placeholders')).toEqual([]);
  });
});

describe('interpolate (properties)', () => {
  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
  const value = fc.oneof(fc.string(), fc.constantFrom('{{a}}', '{{ b }}', '{{', '}}', '$&', '$1'));
  const literal = fc.string().filter((s) => !s.includes('{') && !s.includes('}'));

  it('replaces every placeholder that has a value, and inserts values literally', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, value, { minKeys: 1 }),
        fc.array(literal, { minLength: 1, maxLength: 6 }),
        (values, parts) => {
          const names = Object.keys(values);
          let text = '';
          let expected = '';
          parts.forEach((part, i) => {
            const n = names[i % names.length] as string;
            text += `${part}{{${n}}}`;
            expected += `${part}${values[n]}`;
          });
          expect(interpolate(text, values)).toBe(expected);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('never re-expands a value: output placeholders all come from values', () => {
    fc.assert(
      fc.property(fc.dictionary(name, value), literal, (values, prefix) => {
        const text = `${prefix}${Object.keys(values)
          .map((n) => `{{${n}}}`)
          .join(' ')}`;
        const out = interpolate(text, values);
        expect(out).toBe(`${prefix}${Object.values(values).join(' ')}`);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
