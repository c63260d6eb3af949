/**
 * The content hash decides whether a deploy writes anything; the diff says what, field by field.
 */
import { describe, expect, it } from 'vitest';
import type { GuideVariable, GuideVersion } from '../../src/contract/guides.js';
import { diffGuideVersion, guideContentHash } from '../../src/guides/guide-version-diff.js';
import { guideSessionIdFor } from '../../src/guides/guide-session-id.js';
import { ValidationError } from '../../src/errors.js';

const variables: GuideVariable[] = [
  { name: 'b', type: 'String', scope: 'Input', description: 'B' },
  { name: 'a', type: 'Number', scope: 'Input' },
];
const current: GuideVersion = { version: '3', instruction: 'Help.', state: 'ProductionReady', variables };

describe('guide content hash and diff', () => {
  it('hashes equal content equally, whatever the variable order or server-only fields', () => {
    const reordered = { instruction: 'Help.', variables: [...variables].reverse() };
    expect(guideContentHash(reordered)).toBe(guideContentHash(current));
    expect(guideContentHash({ ...reordered, instruction: 'Help!' })).not.toBe(guideContentHash(current));
    expect(diffGuideVersion(reordered, current)).toEqual([]);
  });

  it('lists each changed, added and removed field with its before and after', () => {
    const desired = {
      instruction: 'Help kindly.',
      variables: [
        { name: 'b', type: 'String', scope: 'Input', description: 'Bee' },
        { name: 'c', type: 'Date', scope: 'Input' },
      ] satisfies GuideVariable[],
    };
    expect(diffGuideVersion(desired, current)).toEqual([
      { field: 'instruction', before: 'Help.', after: 'Help kindly.' },
      { field: 'variables.b.description', before: 'B', after: 'Bee' },
      { field: 'variables.c', before: undefined, after: 'Date Input' },
      { field: 'variables.a', before: 'Number Input', after: undefined },
    ]);
  });

  it('against no version, everything is added', () => {
    expect(diffGuideVersion({ instruction: 'x', variables: [] }, undefined)).toEqual([
      { field: 'instruction', before: undefined, after: 'x' },
    ]);
  });
});

describe('guideSessionIdFor', () => {
  it('derives the same UUID-shaped id from the same key, a different one from another, never the key', () => {
    const id = guideSessionIdFor('key-1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(guideSessionIdFor('key-1')).toBe(id);
    expect(guideSessionIdFor('key-2')).not.toBe(id);
    expect(id).not.toContain('key');
  });

  it('refuses an empty key', () => {
    expect(() => guideSessionIdFor(' ')).toThrow(ValidationError);
  });
});
