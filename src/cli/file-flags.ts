/**
 * Checks of the files a command will read or write, done before anything starts (no emulator, no
 * login, no request), so that a directory where a file is needed or an unwritable folder is one line
 * naming the flag, the path and the fix (exit 2) instead of a raw `EISDIR` halfway through.
 */
import { accessSync, constants, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './cli-error.js';

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // ENOTDIR: a component of the path is a file; the caller reports the nearest folder.
    if (code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks that `path` can be created or appended to: not a directory, in an existing writable folder.
 * @param flag the flag or argument as typed (`--audit`, `--out`)
 * @param suggestedName a file name to suggest when `path` is a directory
 * @throws UsageError naming the flag, the path and the fix
 */
export function checkOutputFile(flag: string, path: string, suggestedName: string): void {
  const stats = statOf(path);
  if (stats?.isDirectory()) {
    throw new UsageError(
      flag,
      `${path} is a directory`,
      `pass a file path, e.g. ${flag} ${join(path, suggestedName)}`,
      {
        code: 'invalid.path',
      },
    );
  }
  if (stats) {
    if (!writable(path)) {
      throw new UsageError(
        flag,
        `${path} is not writable`,
        `pass a file you may write, or change its permissions`,
        {
          code: 'invalid.path',
        },
      );
    }
    return;
  }
  const folder = dirname(resolve(path));
  const folderStats = statOf(folder);
  if (!folderStats) {
    throw new UsageError(
      flag,
      `the folder ${folder} does not exist`,
      `create it first, or pass a path in an existing folder (e.g. ${flag} ${basename(path)})`,
      { code: 'invalid.path' },
    );
  }
  if (!folderStats.isDirectory()) {
    throw new UsageError(
      flag,
      `${folder} is not a folder`,
      `pass a path inside a folder, e.g. ${flag} ${basename(path)}`,
      {
        code: 'invalid.path',
      },
    );
  }
  if (!writable(folder)) {
    throw new UsageError(
      flag,
      `the folder ${folder} is not writable`,
      `pass a path in a folder you may write`,
      {
        code: 'invalid.path',
      },
    );
  }
}

/**
 * Checks that `path` is a readable file.
 * @param flag the flag or argument as typed (`--vars-file`, `results`)
 * @throws UsageError naming the flag, the path and the fix
 */
export function checkInputFile(flag: string, path: string): void {
  const stats = statOf(path);
  if (!stats) {
    throw new UsageError(flag, `${path} does not exist`, 'check the path', { code: 'invalid.path' });
  }
  if (stats.isDirectory()) {
    throw new UsageError(flag, `${path} is a directory`, 'pass the path of a file in it', {
      code: 'invalid.path',
    });
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(flag, `${path} is not readable`, 'check the file permissions', {
      code: 'invalid.path',
    });
  }
}
