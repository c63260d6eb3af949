import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../src/observe/audit-verify.js';
import { ROOT, cleanEnv } from './cli/cli-kit.js';
import { tempDir } from './injector-kit.js';

/** The README's first two commands (the first code block, comments stripped). */
function newcomerCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line !== '');
}

describe('README', () => {
  it('opens with exactly two commands: the main job and the tests', () => {
    const commands = newcomerCommands();
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^npm install && /);
    expect(commands[1]).toBe('npm test');
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.test).toBe('vitest run');
  });

  it('first command, in a fresh clone, streams an answer from the emulator and leaves a verifiable audit log', async () => {
    const dir = join(tempDir(), 'clone');
    execFileSync('git', ['clone', '--quiet', ROOT, dir]);
    const run = spawnSync('sh', ['-c', newcomerCommands()[0]!], {
      cwd: dir,
      // Same command; the npm settings only make it use the local cache when it can.
      env: cleanEnv({
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      }),
      encoding: 'utf8',
      timeout: 480_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('using the built-in emulator');
    expect(run.stderr).toMatch(/conversation \S+ · first chunk/);
    const answer = run.stdout.split('\n').filter((line) => !line.startsWith('>') && line.trim() !== '');
    expect(answer.join(' ').length).toBeGreaterThan(20);
    expect(await verifyAuditLog(join(dir, 'genesys-prompt-audit.jsonl'))).toMatchObject({
      ok: true,
      entries: 1,
    });
  }, 500_000);
});
