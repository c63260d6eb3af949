import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { tempDir } from '../injector-kit.js';
import { ROOT, emulatorEnv, runCliProcess, startCli } from './cli-kit.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

const example = (name: string): string => join(ROOT, 'examples', name);

describe('genesys-prompt inject', () => {
  it('streams the answer from the built-in emulator and writes a verifiable audit entry', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    const run = await runCliProcess([
      'inject',
      example('refund-policy.yaml'),
      '--var',
      'productType=subscription',
      '--audit',
      audit,
    ]);
    expect(run.stderr).toContain('using the built-in emulator at http://127.0.0.1:');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().length).toBeGreaterThan(20);
    expect(run.stderr).toMatch(
      /conversation \S+ · first chunk \d+ ms · total \d+ ms · tokens \d+ prompt \+ \d+ completion · finish stop/,
    );
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: 1 });
  });

  it('chains the trail with the HMAC key from --audit-hmac-key-file, and names the flag when the file is missing', async () => {
    const dir = tempDir();
    const audit = join(dir, 'keyed.jsonl');
    const keyFile = join(dir, 'hmac.key');
    writeFileSync(keyFile, 'the-key\n');
    const args = ['inject', example('refund-policy.yaml'), '--var', 'productType=x', '--audit', audit];
    const run = await runCliProcess([...args, '--audit-hmac-key-file', keyFile]);
    expect(run.code).toBe(0);
    expect(await verifyAuditLog(audit, { hmacKey: 'the-key' })).toMatchObject({ ok: true, entries: 1 });
    expect(await verifyAuditLog(audit, { hmacKey: 'another-key' })).toMatchObject({ ok: false });

    const missing = await runCliProcess([...args, '--audit-hmac-key-file', join(dir, 'absent.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--audit-hmac-key-file');
    expect(missing.stderr).toContain('absent.key');
    expect(missing.stderr).not.toContain('the-key');
  });

  it('prints one JSON result with --json', async () => {
    const run = await runCliProcess([
      'inject',
      example('order-status.json'),
      '--var',
      'orderId=A-1',
      '--var',
      'customerName=Dana',
      '--json',
      '--no-audit',
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      response: string;
      conversationId: string;
      finishReason: string;
    };
    expect(result.response.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe('stop');
  });

  it('talks to the organisation named by the GENESYS_* variables', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const env = emulatorEnv(emulator);
    const run = await runCliProcess(
      ['inject', example('refund-policy.yaml'), '--var', 'productType=x', '--no-audit', '--json'],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('built-in emulator');
    const result = JSON.parse(run.stdout) as { conversationId: string; response: string };
    expect(emulator.conversation(result.conversationId)!.text).toBe(result.response);
  });

  it('names the missing variable and the fix in one line, exit 2, no stack trace', async () => {
    const run = await runCliProcess(['inject', example('refund-policy.yaml'), '--no-audit']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('productType');
    expect(run.stderr).toContain('--var productType=');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('finishes quietly when its reader goes away (inject | head)', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    const cli = startCli([
      'inject',
      example('refund-policy.yaml'),
      '--var',
      'productType=x',
      '--audit',
      audit,
    ]);
    cli.child.stdout!.once('data', () => cli.child.stdout!.destroy());
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(run.stderr).toMatch(/conversation \S+ ·/);
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: 1 });
  });

  it('stops on Ctrl-C with exit 130 and audits the injection as aborted', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    emulator = await startEmulator({ rateLimit: false, chunkIntervalMs: 200 });
    const env = emulatorEnv(emulator);
    const cli = startCli(
      ['inject', example('refund-policy.yaml'), '--var', 'productType=x', '--audit', audit],
      { env },
    );
    cli.child.stdout!.once('data', () => cli.child.kill('SIGINT'));
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true, entries: 1 });
    expect(readFileSync(audit, 'utf8')).toContain('"errorCode":"aborted"');
  });

  it('exits 3 for refused credentials', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const env = emulatorEnv(emulator, { GENESYS_CLIENT_SECRET: 'not-the-secret' });
    const run = await runCliProcess(
      ['inject', example('refund-policy.yaml'), '--var', 'productType=x', '--no-audit'],
      { env },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).not.toContain('not-the-secret');
  });
});

describe('genesys-prompt validate', () => {
  it('reports tokens per message for valid templates', async () => {
    const run = await runCliProcess([
      'validate',
      example('refund-policy.yaml'),
      example('order-status.json'),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('refund-policy.yaml: OK');
    expect(run.stdout).toMatch(/system\s+\d+ tokens/);
    expect(run.stdout).toMatch(/prompt \d+ \+ output allowance \d+ <= context window 8192/);
  });

  it('names the file, the field and the fix for a bad template', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'systemInstruction: hi\nuserTemplate: hello\nvariables: {}\ncontextWindowLimit: 3000000\n',
    );
    const run = await runCliProcess(['validate', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bad.yaml');
    expect(run.stderr).toContain('contextWindowLimit');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('genesys-prompt audit verify', () => {
  it('says OK with the count, and finds a tampered entry', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    const first = await runCliProcess([
      'inject',
      example('refund-policy.yaml'),
      '--var',
      'productType=a',
      '--audit',
      audit,
    ]);
    expect(first.code).toBe(0);
    const ok = await runCliProcess(['audit', 'verify', audit]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('OK: 1 entries');
    writeFileSync(
      audit,
      readFileSync(audit, 'utf8').replace('"userId":"system-automation"', '"userId":"mallory"'),
    );
    const broken = await runCliProcess(['audit', 'verify', audit]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/BROKEN at line 1/);
  });
});

describe('genesys-prompt emulator', () => {
  it('prints its address and credentials and stops cleanly on Ctrl-C', async () => {
    const cli = startCli(['emulator', '--port', '0']);
    while (!cli.stdout().includes('Ctrl-C stops it')) await new Promise((r) => setTimeout(r, 20));
    const baseUrl = /listening on (\S+)/.exec(cli.stdout())![1]!;
    const token = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('emulator-client:emulator-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('emulator stopped');
  });

  it('names the flag and the fix when the port is taken', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const run = await runCliProcess(['emulator', '--port', String(emulator.port)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port: 127.0.0.1:');
    expect(run.stderr).toContain('pass --port 0');
  });

  it('shows help with the exit codes', async () => {
    const run = await runCliProcess(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Exit codes: 0 ok');
    for (const command of ['inject', 'validate', 'batch', 'audit', 'emulator'])
      expect(run.stdout).toContain(command);
  });
});
