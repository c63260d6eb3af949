/**
 * A logger wrapper that keeps secrets out of the output, like pino's `redact`, but by value as well
 * as by key: the client secret and the current access token are replaced wherever they appear.
 */
import type { Logger } from '../logger.js';

/** What a secret or a secret-named field is replaced with. */
export const REDACTED = '[REDACTED]';

/** Field names whose values are always redacted (compared case-insensitively, ignoring `-` and `_`). */
export const REDACTED_KEYS: readonly string[] = [
  'authorization',
  'proxyauthorization',
  'clientsecret',
  'accesstoken',
  'refreshtoken',
  'password',
  'cookie',
  'setcookie',
];

const MAX_DEPTH = 20;

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/**
 * Returns a deep copy of `value` with every occurrence of a secret in a string replaced by
 * `[REDACTED]`, and the values of secret-named fields replaced whole. Errors become plain objects
 * (`type`, `message`, `stack` and their own fields); cycles become `[Circular]`.
 */
export function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
  // Longest first, so a secret containing another is replaced whole.
  const active = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  const redactString = (text: string): string =>
    active.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const seen = new WeakSet<object>();

  const walk = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') return redactString(item);
    if (item === null || typeof item !== 'object') return item;
    if (seen.has(item)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    seen.add(item);
    try {
      if (Array.isArray(item)) return item.map((v) => walk(v, depth + 1));
      const source: Record<string, unknown> =
        item instanceof Error
          ? {
              type: item.name,
              message: item.message,
              stack: item.stack,
              ...(item as unknown as Record<string, unknown>),
            }
          : (item as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(source)) {
        out[key] =
          REDACTED_KEYS.includes(normaliseKey(key)) && v !== undefined ? REDACTED : walk(v, depth + 1);
      }
      return out;
    } finally {
      seen.delete(item);
    }
  };
  return walk(value, 0);
}

/**
 * Wraps a pino-compatible logger so that nothing it is given can carry a secret: `secrets()` is read
 * at every call (the access token changes on refresh) and each occurrence in the object (deeply) or
 * the message becomes `[REDACTED]`, as do fields named like `authorization`, `clientSecret`,
 * `access_token` or `password`.
 */
export function redactingLogger(logger: Logger, secrets: () => readonly string[]): Logger {
  const wrap =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      const current = secrets();
      const safeObj = redactSecrets(obj, current) as object;
      if (msg === undefined) logger[level](safeObj);
      else logger[level](safeObj, redactSecrets(msg, current) as string);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
