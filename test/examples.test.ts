import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TSX, cleanEnv } from './cli/cli-kit.js';

describe('examples/library-usage.ts (the README library example)', () => {
  it('streams an answer from the built-in emulator and ends cleanly', () => {
    const run = spawnSync(process.execPath, [...TSX, join(ROOT, 'examples', 'library-usage.ts')], {
      cwd: ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\S{20,}|(\w+ ){5,}/);
    expect(run.stdout).toMatch(/stop \{ promptTokens: \d+, completionTokens: \d+ \}/);
  });
});
