import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { safeJson, terminalSafe, writeText } from '../../src/cli/terminal-text.js';
import { CLI, ROOT, cleanEnv } from './cli-kit.js';

const ESC = '\u001b';
/** What a hostile server would send to paint "OK" over a failure. */
const CRAFTED = `${ESC}[2K\r${ESC}[32mOK: injection succeeded${ESC}[0m\u009b1A\u202e`;

describe('terminalSafe', () => {
  it('shows control characters, escape sequences and bidi overrides as visible escapes', () => {
    const safe = terminalSafe(CRAFTED);
    expect(safe).toBe('\\x1b[2K\\r\\x1b[32mOK: injection succeeded\\x1b[0m\\x9b1A\\u202e');
    // eslint-disable-next-line no-control-regex
    expect(safe).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('leaves text, tabs, newlines and non-Latin scripts alone', () => {
    const text = 'Refunds:\n\t- 30 days\nこんにちは — «ok» ✓\n';
    expect(terminalSafe(text)).toBe(text);
  });

  it('writes raw to a pipe or file, neutralised to a terminal', () => {
    const written: string[] = [];
    writeText({ write: (s: string) => written.push(s), isTTY: false }, CRAFTED);
    writeText({ write: (s: string) => written.push(s), isTTY: true }, CRAFTED);
    expect(written[0]).toBe(CRAFTED);
    expect(written[1]).toBe(terminalSafe(CRAFTED));
  });

  it('keeps JSON exact while escaping what JSON.stringify leaves raw', () => {
    const json = safeJson({ message: CRAFTED });
    // eslint-disable-next-line no-control-regex
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect((JSON.parse(json) as { message: string }).message).toBe(CRAFTED);
  });
});

/**
 * Runs the CLI under a pseudo-terminal (`script`), so stdout and stderr are a TTY. Asynchronous, so a
 * server in this process can answer it.
 */
function runOnTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; output: string }> {
  const quoted = [process.execPath, ...CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // `"$HOSTILE"` is expanded by the shell inside the terminal, so the argument carries the raw bytes.
  const command = quoted.replace(`=$HOSTILE'`, `='"$HOSTILE"`);
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, output })));
}

describe('the CLI on a terminal', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('shows escape sequences in a streamed answer as text; piped, the answer stays byte-exact', async () => {
    const env = cleanEnv({ HOSTILE: `${ESC}[31mred${ESC}` });
    const args = [
      'inject',
      join(ROOT, 'examples', 'refund-policy.yaml'),
      '--no-audit',
      '--var',
      'productType=$HOSTILE',
    ];
    const tty = await runOnTerminal(args, env);
    expect(tty.status, tty.output).toBe(0);
    expect(tty.output).toContain('\\x1b');
    expect(tty.output).not.toContain(ESC);

    const piped = spawnSync(
      process.execPath,
      [...CLI, ...args.slice(0, -1), `productType=${ESC}[31mred${ESC}`],
      {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout).toContain(ESC);
    expect(piped.stdout).not.toContain('\\x1b');
  }, 120_000);

  it("neutralises a server's crafted error message on a terminal", async () => {
    // A hostile "Genesys": a valid login, then an error whose message tries to rewrite the screen.
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/oauth/token')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: 'token', token_type: 'bearer', expires_in: 86399 }));
          return;
        }
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ message: CRAFTED, code: 'bad.request', status: 400, details: [], errors: [] }),
        );
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const env = cleanEnv({
      GENESYS_ENVIRONMENT: `http://127.0.0.1:${port}`,
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 'secret',
    });
    const args = [
      'inject',
      join(ROOT, 'examples', 'refund-policy.yaml'),
      '--no-audit',
      '--transport',
      'direct',
      '--var',
      'productType=x',
    ];
    const tty = await runOnTerminal(args, env);
    expect(tty.status, tty.output).toBe(1); // a 400 from the server: "other failure"
    expect(tty.output).toContain('\\x1b[2K\\r\\x1b[32mOK: injection succeeded');
    expect(tty.output).not.toContain(ESC);
    expect(tty.output).not.toContain('\u202e');
  }, 120_000);
});
