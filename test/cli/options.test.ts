import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliWording } from '../../src/cli/cli-hints.js';
import { runCli } from '../../src/cli/run-cli.js';
import { tempDir } from '../injector-kit.js';
import { CLI, ROOT, cleanEnv, runCliProcess } from './cli-kit.js';
import { spawnSync } from 'node:child_process';

/** Runs the CLI in this process, capturing what it prints. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runCli(['node', 'genesys-prompt', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

const template = join(ROOT, 'examples', 'refund-policy.yaml');
const jobs = join(ROOT, 'examples', 'batch-jobs.jsonl');
const dir = tempDir();
const aFile = join(dir, 'a-file.txt');
writeFileSync(aFile, 'x');

describe('every option is checked before anything starts', () => {
  it.each([
    [['emulator', '--port', 'abc'], '--port', 'abc'],
    [['emulator', '--port', '99999'], '--port', '99999'],
    [['emulator', '--fault-429', '2'], '--fault-429', '2'],
    [['emulator', '--latency', '99999999999'], '--latency', '99999999999'],
    [['emulator', '--seed', '1.5'], '--seed', '1.5'],
    [['inject', template, '--max-response-tokens', '-3'], '--max-response-tokens', '-3'],
    [['inject', template, '--tokenizer', 'foo'], '--tokenizer', 'foo'],
    [['inject', template, '--transport', 'foo'], '--transport', 'foo'],
    [['inject', template, '--max-retries', 'many'], '--max-retries', 'many'],
    [['inject', template, '--deadline', '0'], '--deadline', '0'],
    [['inject', template, '--rpm', '-1'], '--rpm', '-1'],
    [['inject', template, '--max-retry-after', 'never'], '--max-retry-after', 'never'],
    [['inject', template, '--limit', 'maxAnswer=5'], '--limit', 'maxAnswer'],
    [['inject', template, '--limit', 'maxAnswerChars=0'], '--limit', 'maxAnswerChars=0'],
    [['inject', template, '--audit', dir], '--audit', dir],
    [['inject', template, '--audit', join(aFile, 'x.jsonl')], '--audit', aFile],
    [['inject', template, '--audit', join(dir, 'missing', 'x.jsonl')], '--audit', join(dir, 'missing')],
    [['inject', template, '--vars-file', join(dir, 'nope.yaml')], '--vars-file', 'nope.yaml'],
    [['inject', template, '--examples', dir], '--examples', dir],
    [['inject', dir], 'template', dir],
    [['validate', template, '--tokenizer', 'x'], '--tokenizer', 'x'],
    [['batch', jobs, '--concurrency', '0'], '--concurrency', '0'],
    [['batch', jobs, '--out', dir], '--out', dir],
    [['batch', jobs, '--progress-interval', 'soon'], '--progress-interval', 'soon'],
    [['report', dir], 'results', dir],
    [['report', jobs, '--html', dir], '--html', dir],
  ])('%j exits 2 with one line naming %s, the value and the fix', async (args, flag, value) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: ${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
    expect(lines[0]).toContain(value);
    expect(lines[0]).toMatch(/; (pass|create|check) .+ \[invalid\.(flag|path)\]$/);
    expect(stderr).not.toContain('built-in emulator');
  });

  it('with --json, a bad option is one JSON object on stderr with the code and the exit status', async () => {
    const { code, stderr } = await run(['inject', template, '--json', '--transport', 'foo']);
    expect(code).toBe(2);
    const report = JSON.parse(stderr) as {
      error: { code: string; field: string; fix: string };
      exitCode: number;
    };
    expect(report).toMatchObject({ error: { code: 'invalid.flag', field: '--transport' }, exitCode: 2 });
    const unknown = await run(['inject', template, '--json', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toMatchObject({ error: { name: 'UsageError' }, exitCode: 2 });
  });
});

describe('conventions', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('--help lists every command without loading the library, the SDK or the emulator', () => {
    const loads = join(tempDir(), 'loads.txt');
    const probe = join(ROOT, 'test', 'cli', 'fixtures', 'record-cjs-loads.mjs');
    const cjsLoads = (args: string[]): string => {
      const run = spawnSync(process.execPath, ['--import', probe, ...CLI, ...args], {
        cwd: ROOT,
        env: cleanEnv({ CJS_LOADS_FILE: loads }),
        encoding: 'utf8',
        timeout: 60_000,
      });
      return `${run.stdout}\n${readFileSync(loads, 'utf8')}`;
    };
    const help = cjsLoads(['--help']);
    for (const command of ['inject', 'validate', 'batch', 'report', 'audit', 'worker', 'guide', 'emulator'])
      expect(help).toContain(command);
    expect(help).not.toContain('purecloud-platform-client-v2');
    expect(cjsLoads(['inject', '--help'])).not.toContain('purecloud-platform-client-v2');
    // The probe does see the SDK when a command needs it.
    expect(cjsLoads(['inject', template, '--no-audit', '--var', 'productType=x'])).toContain(
      'purecloud-platform-client-v2',
    );
  }, 120_000);

  it('hints name what a CLI user can type', () => {
    expect(cliWording('lower the request rate (requestsPerMinute) or raise maxRetries')).toBe(
      'lower the request rate (--rpm) or raise --max-retries',
    );
    expect(cliWording('use https://, or pass allowInsecure: true if this network is trusted')).toBe(
      'use https://, or pass --allow-insecure if this network is trusted',
    );
    expect(cliWording('the overall deadline of 5 ms passed; raise deadlineMs or retry later')).toContain(
      'raise --deadline',
    );
    expect(
      cliWording(
        'environment: "x" is not a region; set GENESYS_ENVIRONMENT or the environment option to us_east_1',
      ),
    ).toBe('GENESYS_ENVIRONMENT: "x" is not a region; set GENESYS_ENVIRONMENT to us_east_1');
  });

  it('refuses cleartext to a remote host naming --allow-insecure, and --allow-insecure lets it through', async () => {
    const env = cleanEnv({
      GENESYS_ENVIRONMENT: 'http://192.0.2.1:9',
      GENESYS_CLIENT_ID: 'id',
      GENESYS_CLIENT_SECRET: 'secret',
    });
    const refused = await runCliProcess(['inject', template, '--no-audit', '--var', 'productType=x'], {
      env,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: GENESYS_ENVIRONMENT: plain http:\/\/ to 192\.0\.2\.1 .*pass --allow-insecure/,
    );
    const allowed = await runCliProcess(
      [
        'inject',
        template,
        '--no-audit',
        '--var',
        'productType=x',
        '--allow-insecure',
        '--timeout',
        '200',
        '--deadline',
        '300',
        '--max-retries',
        '0',
      ],
      { env },
    );
    expect(allowed.stderr).not.toContain('allow-insecure');
    expect(allowed.code).not.toBe(2);
  }, 60_000);
});

describe('size limits', () => {
  it('--limit reaches the library, and the error names the flag that raises it', async () => {
    const run = await runCliProcess([
      'inject',
      template,
      '--no-audit',
      '--var',
      'productType=x',
      '--limit',
      'maxAnswerChars=10',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /exceeds --limit maxAnswerChars \(10 characters\); raise it with --limit maxAnswerChars=<n>/,
    );
  }, 60_000);
});

describe('variables', () => {
  it('warns about an unknown --var with the nearest declared name', async () => {
    const { code, stderr } = await run([
      'validate',
      join(ROOT, 'examples', 'order-status.json'),
      '--var',
      'customername=Dana',
    ]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      'warning: --var customername: order-status.json has no variable "customername" (ignored); did you mean customerName?',
    );
  });

  it('names a --var the template declares in the fix of a malformed one', async () => {
    const { code, stderr } = await run([
      'validate',
      join(ROOT, 'examples', 'order-status.json'),
      '--var',
      'oops',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--var: "oops" is not name=value; write --var (orderId|customerName)=\.\.\./);
  });
});

describe('validate', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'systemInstruction: ""\nuserTemplate: 3\ncontextWindowLimit: 9000000\nfoo: 1\n');

  it('reports every schema problem of a file at once, one line each', async () => {
    const { code, stderr, stdout } = await run(['validate', bad, template]);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const field of ['foo', 'systemInstruction', 'userTemplate', 'contextWindowLimit'])
      expect(stderr).toContain(`bad.yaml: ${field}: `);
    expect(stdout).toContain('refund-policy.yaml: OK');
  });

  it("accepts context windows of today's models, up to 2,000,000 tokens", async () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'systemInstruction: hi\nuserTemplate: hello\ncontextWindowLimit: 2000000\n');
    const { code, stdout } = await run(['validate', big]);
    expect(code).toBe(0);
    expect(stdout).toContain('<= context window 2000000');
  });

  it('--json prints one report with every template and every problem', async () => {
    const { code, stdout } = await run(['validate', bad, template, '--json']);
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      exitCode: number;
      templates: Array<{
        ok: boolean;
        error?: { problems?: Array<{ field: string }> };
        messages?: unknown[];
      }>;
    };
    expect(report.ok).toBe(false);
    expect(report.exitCode).toBe(2);
    expect(report.templates[0]!.error!.problems!.map((p) => p.field)).toEqual([
      'foo',
      'systemInstruction',
      'userTemplate',
      'contextWindowLimit',
    ]);
    expect(report.templates[1]).toMatchObject({ ok: true, contextWindowLimit: 8192 });
    expect(report.templates[1]!.messages!.length).toBeGreaterThan(0);
  });
});

describe('inject --json', () => {
  it('prints errors as JSON on stderr with the code and the exit status', async () => {
    const run = await runCliProcess(['inject', template, '--no-audit', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const report = JSON.parse(run.stderr.trim().split('\n').pop()!) as {
      error: { code: string; message: string };
      exitCode: number;
    };
    expect(report.exitCode).toBe(2);
    expect(report.error.code).toBe('missing.variables');
    expect(report.error.message).toContain('productType');
    for (const line of run.stderr.trim().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
  }, 60_000);
});
