/**
 * The `inputVariables` of a turn: the value of every guide variable of the template (declared
 * default, then the template's value, then the caller's), each checked against its declared type
 * before anything is sent. Pure.
 */
import { ValidationError } from '../errors.js';
import type { PromptTemplate } from '../prompt/template.js';
import { guideVariablesOf } from './guide-definition.js';

const CHECKS: Record<string, { test: (value: string) => boolean; example: string }> = {
  Integer: { test: (v) => /^[+-]?\d+$/.test(v.trim()), example: '42' },
  Number: { test: (v) => v.trim() !== '' && Number.isFinite(Number(v)), example: '19.99' },
  Boolean: { test: (v) => /^(true|false)$/i.test(v.trim()), example: 'true' },
  Date: {
    test: (v) => /^\d{4}-\d{2}-\d{2}/.test(v.trim()) && !Number.isNaN(Date.parse(v)),
    example: '2026-01-31',
  },
};

/**
 * The input variables of one turn.
 * @param template the (validated) template
 * @param values the caller's values, over the template's
 * @throws ValidationError naming `variables.<name>` when a value does not match its declared type
 */
export function guideInputVariables(
  template: PromptTemplate,
  values: Readonly<Record<string, string>> = {},
): Array<{ name: string; value: string }> {
  const inputs: Array<{ name: string; value: string }> = [];
  for (const variable of guideVariablesOf(template)) {
    const value =
      values[variable.name] ??
      template.variables[variable.name] ??
      template.declarations?.[variable.name]?.default;
    if (value === undefined) continue;
    const check = CHECKS[variable.type];
    if (check !== undefined && !check.test(value)) {
      throw new ValidationError(
        `variables.${variable.name}`,
        `is not a ${variable.type} (its declared type)`,
        `pass a ${variable.type} such as ${check.example}, or change declarations.${variable.name}.type`,
      );
    }
    inputs.push({ name: variable.name, value });
  }
  return inputs;
}
