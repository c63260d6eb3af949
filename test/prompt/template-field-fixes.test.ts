/**
 * The fix each template field's rule gives when its value is wrong: declarations, the guide, the
 * settings, the few-shot options, the id, and the variables and declarations mappings themselves.
 */
import { describe, expect, it } from 'vitest';
import { templateProblems } from '../../src/prompt/template.js';

const base = { systemInstruction: 'You help.', userTemplate: '{{question}}', contextWindowLimit: 1000 };

describe('template field fixes', () => {
  it('names the field and how to write it', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [
        { declarations: { q: { type: 'Foo' } } },
        'declarations.q.type',
        'set declarations.q.type to String, Integer, Number, Boolean or Date',
      ],
      [
        { guide: { name: '', languageCode: 'en-us', source: 'Manual' } },
        'guide.name',
        'set guide.name to a name of 1 to 200 characters',
      ],
      [
        { guide: { name: 'g', languageCode: 'english!', source: 'Manual' } },
        'guide.languageCode',
        'set guide.languageCode to a language tag such as en-us',
      ],
      [
        { guide: { name: 'g', languageCode: 'en-us', source: 'Web' } },
        'guide.source',
        'set guide.source to Manual, Prompt, Document or Transcripts',
      ],
      [{ guide: 'g' }, 'guide', 'set guide to a mapping with name, languageCode and source'],
      [{ settings: 'hot' }, 'settings', 'set settings to a mapping with temperature and safetyPolicy'],
      [
        { fewShot: { examples: 5 } },
        'fewShot.examples',
        'set fewShot.examples to the path of a YAML or JSON examples file, relative to the template',
      ],
      [
        { fewShot: { category: '' } },
        'fewShot.category',
        'set fewShot.category to a category name, or remove it to use every category',
      ],
      [
        { fewShot: 3 },
        'fewShot',
        'set fewShot to a mapping with examples, strategy, count, category and seed',
      ],
      [{ id: ' ' }, 'id', 'quote id so it is a string (or remove it)'],
      [{ variables: 'x' }, 'variables', 'set variables to a mapping of names to string values ({} for none)'],
      [
        { declarations: [] },
        'declarations',
        'set declarations to a mapping of variable names to {required, maxLength, description, default, type}',
      ],
    ];
    for (const [change, field, fix] of cases) {
      expect(templateProblems({ ...base, ...change }).map((e) => [e.field, e.fix])).toEqual([[field, fix]]);
    }
  });
});
