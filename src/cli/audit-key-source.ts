/**
 * Where the CLI takes audit keys from: a file named by a flag, or an environment variable — never a
 * command-line value, which `ps` shows to every user of the host.
 */
import { readFileSync } from 'node:fs';
import { ValidationError } from '../errors.js';

/** Environment variable holding the HMAC key of the chain. */
export const HMAC_KEY_ENV = 'GENESYS_AUDIT_HMAC_KEY';

/**
 * The HMAC key of the audit chain: the contents of `file` (one trailing newline dropped), else
 * `GENESYS_AUDIT_HMAC_KEY`, else none.
 * @param file the path given to `flag`, if any
 * @param flag the flag that named the file, for the error
 * @throws ValidationError naming the flag when the file cannot be read
 */
export function hmacKeyFrom(file: string | undefined, flag: string): string | undefined {
  if (file !== undefined) return readKeyText(file, flag).replace(/\r?\n$/, '');
  const fromEnv = process.env[HMAC_KEY_ENV];
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

/**
 * The text of a key file.
 * @throws ValidationError naming `flag`, the path and the fix
 */
export function readKeyText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ValidationError(
      flag,
      `cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
      'check the path',
      { code: 'audit.key.unreadable' },
    );
  }
}
