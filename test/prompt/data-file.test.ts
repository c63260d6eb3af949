/**
 * Reading one YAML or JSON data file: the exact problem and fix of each syntax error (with its line
 * and column), a file that is not data, no or another extension, a byte-order mark, and a file that
 * reports no size but never ends (refused at the limit, not read whole).
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputTooLargeError, ValidationError } from '../../src/errors.js';
import { readDataFile } from '../../src/prompt/data-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'data-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

async function failure(path: string, limit = 1_000_000): Promise<ValidationError> {
  return readDataFile(path, limit, 'maxTemplateBytes').then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as ValidationError,
  );
}

describe('readDataFile', () => {
  it('names the line and column of a JSON syntax error, without the parser’s offset', async () => {
    const path = await fileWith('trailing.json', '{"a":1,}');
    const error = await failure(path);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      field: 'file',
      file: path,
      problem: 'is not valid JSON at line 1, column 8 (Expected double-quoted property name)',
      fix: 'fix the JSON syntax at line 1',
    });
    const multiline = await failure(await fileWith('comma.json', '{\n  "a": 1\n  "b": 2\n}'));
    expect(multiline).toMatchObject({
      problem: "is not valid JSON at line 3, column 3 (Expected ',' or '}' after property value)",
      fix: 'fix the JSON syntax at line 3',
    });
    const empty = await failure(await fileWith('empty.json', ''));
    expect(empty.problem).toBe('is not valid JSON at line 1, column 1 (Unexpected end of JSON input)');
  });

  it('names the line and column of a YAML syntax error, without the parser’s location suffix', async () => {
    const lines = Array.from({ length: 11 }, (_, i) => `k${i}: ${i}`);
    const path = await fileWith('nested.yaml', `${lines.join('\n')}\naaaaaaaaaa: bbb: ccc\n`);
    expect(await failure(path)).toMatchObject({
      field: 'file',
      file: path,
      problem:
        'is not valid YAML at line 12, column 13 (Nested mappings are not allowed in compact mappings)',
      fix: 'fix the YAML syntax at line 12',
    });
  });

  it('refuses YAML that parses but cannot become data (an alias bomb)', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n');
    const path = await fileWith('bomb.yaml', bomb);
    expect(await failure(path)).toMatchObject({
      field: 'file',
      file: path,
      problem: 'cannot be read as data (Excessive alias count indicates a resource exhaustion attack)',
      fix: 'simplify the YAML (aliases, tags)',
    });
  });

  it('refuses a file without a data extension, naming it', async () => {
    const bare = await fileWith('template', 'a: 1');
    expect(await failure(bare)).toMatchObject({
      field: 'file',
      file: bare,
      problem: 'has no extension',
      fix: 'use a .yaml, .yml or .json file',
    });
    const text = await fileWith('template.txt', 'a: 1');
    expect(await failure(text)).toMatchObject({
      file: text,
      problem: 'has the unsupported extension ".txt"',
    });
  });

  it('reads past a byte-order mark', async () => {
    const json = await fileWith('bom.json', '\uFEFF{"a":1}');
    expect(await readDataFile(json, 100, 'maxTemplateBytes')).toEqual({ a: 1 });
  });

  it('stops reading a file that reports no size at the limit', async () => {
    const endless = join(dir, 'endless.json');
    await symlink('/dev/zero', endless);
    const error = await failure(endless, 100_000);
    expect(error).toBeInstanceOf(InputTooLargeError);
    expect(error).toMatchObject({ file: endless, field: 'file' });
    expect(error.message).toContain('over maxTemplateBytes (100000 bytes)');
  });
});
