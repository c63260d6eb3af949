/**
 * The address of a Redis server named by an option (`rateLimitStore`, `--queue`): checked once, with
 * a label for logs that never carries the password.
 */
import { ConfigurationError } from '../errors.js';

/** A checked Redis address. */
export interface RedisStoreAddress {
  /** The URL as given (may hold a password: never log it). */
  readonly url: string;
  /** `redis://host:port/db`, without user or password: safe for logs and errors. */
  readonly label: string;
}

/**
 * Checks that `value` is a `redis://` or `rediss://` URL.
 * @param field the option or flag that named it, for the error
 * @param value what was given
 * @throws ConfigurationError naming `field` and the expected form
 */
export function parseRedisStoreAddress(field: string, value: string): RedisStoreAddress {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigurationError(field, 'is not a URL', 'write redis://host:6379 (or rediss:// for TLS)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigurationError(
      field,
      `must be a redis:// or rediss:// URL (got ${parsed.protocol}//)`,
      'write redis://host:6379',
    );
  }
  if (parsed.hostname === '') {
    throw new ConfigurationError(field, 'names no host', 'write redis://host:6379');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new ConfigurationError(field, `has database "${db}", not a number`, 'write redis://host:6379/0');
  }
  const port = parsed.port === '' ? '6379' : parsed.port;
  return { url: value, label: `${parsed.protocol}//${parsed.hostname}:${port}${db === '' ? '' : `/${db}`}` };
}
