import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, TSX, cleanEnv } from '../cli/cli-kit.js';

describe('examples/guide-usage.ts (the README guides example)', () => {
  it('deploys the guide, answers a turn from the built-in emulator and ends cleanly', () => {
    const run = spawnSync(process.execPath, [...TSX, join(ROOT, 'examples', 'guide-usage.ts')], {
      cwd: ROOT,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^guide [0-9a-f-]{36} version 1 \(created\)$/m);
    expect(run.stdout).toMatch(/^COMPLETED SUCCESSFUL_COLLECTION \[\]$/m);
  });
});
