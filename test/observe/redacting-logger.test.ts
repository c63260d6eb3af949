import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { REDACTED, redactingLogger, redactSecrets } from '../../src/observe/redacting-logger.js';

function recordingLogger(): { logger: Logger; lines: Array<{ level: string; obj: object; msg?: string }> } {
  const lines: Array<{ level: string; obj: object; msg?: string }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const clientSecret = 'cs-9f8e7d6c5b4a';
let accessToken = 'tok-first-0123456789';

describe('redactingLogger', () => {
  it('replaces current secrets anywhere in the object and the message, at every level', () => {
    const { logger, lines } = recordingLogger();
    const safe = redactingLogger(logger, () => [clientSecret, accessToken]);
    safe.info(
      { url: `https://x/?t=${accessToken}`, nested: { list: [`secret=${clientSecret}`, 3, null] } },
      `login with ${clientSecret}`,
    );
    safe.debug({});
    safe.warn({ a: 1 }, 'plain');
    safe.error({ e: accessToken });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain(accessToken);
    expect(lines[0]).toEqual({
      level: 'info',
      obj: { url: `https://x/?t=${REDACTED}`, nested: { list: [`secret=${REDACTED}`, 3, null] } },
      msg: `login with ${REDACTED}`,
    });
    expect(lines.map((l) => l.level)).toEqual(['info', 'debug', 'warn', 'error']);
    expect(lines[1]).toEqual({ level: 'debug', obj: {} });
  });

  it('reads the secrets at each call, so a refreshed token is redacted too', () => {
    const { logger, lines } = recordingLogger();
    const safe = redactingLogger(logger, () => [clientSecret, accessToken]);
    accessToken = 'tok-second-9876543210';
    safe.info({ token: accessToken });
    expect(JSON.stringify(lines)).not.toContain('tok-second');
  });

  it('redacts secret-named fields whatever their value, in any case or spelling', () => {
    const { logger, lines } = recordingLogger();
    redactingLogger(logger, () => []).info({
      headers: { Authorization: 'Basic abc', 'Proxy-Authorization': 'x' },
      clientSecret: 'other',
      client_secret: 'other',
      access_token: 'other',
      accessToken: 'other',
      password: 'hunter2',
      keep: 'visible',
    });
    expect(lines[0]!.obj).toEqual({
      headers: { Authorization: REDACTED, 'Proxy-Authorization': REDACTED },
      clientSecret: REDACTED,
      client_secret: REDACTED,
      access_token: REDACTED,
      accessToken: REDACTED,
      password: REDACTED,
      keep: 'visible',
    });
  });

  it('turns errors into plain redacted objects and survives cycles', () => {
    const error = new AuthenticationError(`bad token ${accessToken}`, {
      status: 401,
      code: 'bad.credentials',
    });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const out = redactSecrets({ err: error, cyclic, shared: [cyclic, cyclic] }, [accessToken]) as Record<
      string,
      Record<string, unknown>
    >;
    expect(out.err).toMatchObject({
      type: 'AuthenticationError',
      message: `bad token ${REDACTED}`,
      status: 401,
      code: 'bad.credentials',
    });
    expect(String(out.err!.stack)).not.toContain(accessToken);
    expect(out.cyclic).toEqual({ name: 'loop', self: '[Circular]' });
    expect(out.shared).toEqual([
      { name: 'loop', self: '[Circular]' },
      { name: 'loop', self: '[Circular]' },
    ]);
  });

  it('replaces a longer secret whole even when it contains a shorter one', () => {
    expect(redactSecrets('abc-abcdef', ['abc', 'abcdef'])).toBe(`${REDACTED}-${REDACTED}`);
    expect(redactSecrets('nothing here', ['', 'zzz'])).toBe('nothing here');
  });
});
