/**
 * Reading one YAML (`.yaml`, `.yml`) or JSON (`.json`) data file: no more than its size limit is
 * read, so an oversized file is refused before a parser sees it, and syntax errors name the line.
 */
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { InputTooLargeError, ValidationError } from '../errors.js';

type DataFormat = 'yaml' | 'json';

const FORMATS: Record<string, DataFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/** The format of a file by its extension. */
function formatOf(path: string): DataFormat {
  const extension = extname(path).toLowerCase();
  const format = FORMATS[extension];
  if (!format) {
    throw new ValidationError(
      'file',
      extension ? `has the unsupported extension "${extension}"` : 'has no extension',
      'use a .yaml, .yml or .json file',
      { file: path },
    );
  }
  return format;
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/** Parses JSON, turning a syntax error into one naming the line. */
function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const lineColumn = /line (\d+) column (\d+)/.exec(message);
    const position = /at position (\d+)/.exec(message);
    const where = lineColumn
      ? { line: Number(lineColumn[1]), column: Number(lineColumn[2]) }
      : lineAndColumn(text, position ? Number(position[1]) : text.length);
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)/, '');
    throw new ValidationError(
      'file',
      `is not valid JSON at line ${where.line}, column ${where.column} (${reason})`,
      `fix the JSON syntax at line ${where.line}`,
      { file: path, cause: error },
    );
  }
}

/** Parses one YAML document, turning a syntax error into one naming the line. */
async function parseYaml(text: string, path: string): Promise<unknown> {
  // Loaded with the first YAML file: importing the library does not load the YAML parser.
  const { parseDocument } = await import('yaml');
  const document = parseDocument(text); // prettyErrors is on by default: errors carry linePos
  const error = document.errors[0];
  if (error) {
    const where = error.linePos?.[0];
    const at = where ? ` at line ${where.line}, column ${where.col}` : '';
    const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ValidationError(
      'file',
      `is not valid YAML${at} (${reason})`,
      where ? `fix the YAML syntax at line ${where.line}` : 'fix the YAML syntax',
      { file: path, cause: error },
    );
  }
  try {
    return document.toJS();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ValidationError(
      'file',
      `cannot be read as data (${reason})`,
      'simplify the YAML (aliases, tags)',
      {
        file: path,
        cause,
      },
    );
  }
}

/** The error for a file that cannot be opened or read. */
function unreadable(path: string, cause: unknown): ValidationError {
  const code = (cause as NodeJS.ErrnoException).code;
  const problem = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'unknown error'})`;
  return new ValidationError('file', problem, 'check the path and the file permissions', {
    file: path,
    cause,
  });
}

/** Reads at most `limit` bytes of a file as UTF-8; a longer file is refused. */
async function readBounded(path: string, limit: number, option: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw unreadable(path, cause);
  }
  try {
    const { size } = await handle.stat();
    if (size > limit) throw new InputTooLargeError('file', option, limit, 'bytes', { file: path, size });
    // The size can be 0 for special files, or grow meanwhile: read no further than the limit anyway.
    const buffer = Buffer.alloc(Math.min(limit, Math.max(size, 64 * 1024)) + 1);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, limit + 1 - total), null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new InputTooLargeError('file', option, limit, 'bytes', { file: path });
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (error) {
    throw error instanceof ValidationError ? error : unreadable(path, error);
  } finally {
    await handle.close();
  }
}

/**
 * Reads and parses a YAML or JSON file (by its extension).
 * @param path the file
 * @param limit most bytes read
 * @param option the option that sets `limit`, named when the file is larger
 * @throws ValidationError naming the file (and the line of a syntax error); InputTooLargeError
 */
export async function readDataFile(path: string, limit: number, option: string): Promise<unknown> {
  const format = formatOf(path);
  let text = await readBounded(path, limit, option);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return format === 'json' ? parseJson(text, path) : await parseYaml(text, path);
}
