import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { tempDir } from '../injector-kit.js';
import { parseBatchResults, type BatchRecord } from '../../src/cli/batch/batch-journal.js';
import { ROOT, emulatorEnv, runCliProcess, startCli } from './cli-kit.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function startEmulatorEnv(
  options: Parameters<typeof startEmulator>[0] = {},
): Promise<NodeJS.ProcessEnv> {
  emulator = await startEmulator({ rateLimit: false, ...options });
  return emulatorEnv(emulator);
}

/** A jobs file beside copies of the example templates. */
function jobsFile(lines: object[]): { dir: string; jobs: string } {
  const dir = tempDir();
  for (const name of [
    'refund-policy.yaml',
    'refund-examples.yaml',
    'order-status.json',
    'support-examples.json',
  ]) {
    copyFileSync(join(ROOT, 'examples', name), join(dir, name));
  }
  const jobs = join(dir, 'jobs.jsonl');
  writeFileSync(jobs, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { dir, jobs };
}

const records = (path: string): BatchRecord[] => parseBatchResults(readFileSync(path, 'utf8')).records;

describe('genesys-prompt batch', () => {
  it('runs the example batch file and reports plain progress lines off a terminal', async () => {
    const env = await startEmulatorEnv();
    const dir = tempDir();
    const out = join(dir, 'results.jsonl');
    const run = await runCliProcess(
      [
        'batch',
        join(ROOT, 'examples', 'batch-jobs.jsonl'),
        '--out',
        out,
        '--audit',
        join(dir, 'audit.jsonl'),
      ],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/batch: 6\/6 done \(0 failed\)/);
    const lines = records(out);
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.status).toBe('ok');
    expect(emulator!.stats().conversationsCreated).toBe(6);
    expect(await verifyAuditLog(join(dir, 'audit.jsonl'))).toMatchObject({ ok: true, entries: 6 });
  });

  it('sends nothing twice on a rerun', async () => {
    const env = await startEmulatorEnv();
    const { dir, jobs } = jobsFile(
      Array.from({ length: 5 }, (_, i) => ({
        template: 'refund-policy.yaml',
        variables: { productType: `p${i}` },
      })),
    );
    const out = join(dir, 'out.jsonl');
    expect((await runCliProcess(['batch', jobs, '--out', out, '--no-audit'], { env })).code).toBe(0);
    const requestsAfterFirst = emulator!.stats().requestsByRoute;
    const second = await runCliProcess(['batch', jobs, '--out', out, '--no-audit'], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('5 jobs: 5 done (5 in an earlier run), 0 failed, 0 not run');
    expect(emulator!.stats().conversationsCreated).toBe(5);
    expect(emulator!.stats().requestsByRoute).toEqual(requestsAfterFirst);
    expect(records(out)).toHaveLength(5);
  });

  it('rejects a bad jobs line before sending anything', async () => {
    const env = await startEmulatorEnv();
    const { jobs } = jobsFile([
      { template: 'refund-policy.yaml', variables: { productType: 'x' } },
      { templat: 'oops' },
    ]);
    const run = await runCliProcess(['batch', jobs, '--no-audit'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('jobs.jsonl: line 2');
    expect(emulator!.stats().requests).toBe(0);
  });

  it('after SIGKILL midway, a rerun completes every job exactly once and the audit log verifies', async () => {
    const env = await startEmulatorEnv({ chunkIntervalMs: 4 });
    const total = 60;
    const { dir, jobs } = jobsFile(
      Array.from({ length: total }, (_, i) => ({
        template: 'refund-policy.yaml',
        variables: { productType: `item ${i}` },
      })),
    );
    const out = join(dir, 'out.jsonl');
    const audit = join(dir, 'audit.jsonl');
    const args = ['batch', jobs, '--out', out, '--audit', audit, '--concurrency', '6'];
    const first = startCli(args, { env });
    // Kill once some, but not all, jobs have finished.
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      let done = 0;
      try {
        done = records(out).length;
      } catch {
        // not created yet
      }
      if (done >= 10) break;
      if (first.child.exitCode !== null) throw new Error(`the batch ended before 10 jobs: ${first.stderr()}`);
    }
    first.child.kill('SIGKILL');
    await first.done;
    const finishedBefore = records(out).length;
    expect(finishedBefore).toBeLessThan(total);

    const second = await runCliProcess(args, { env });
    expect(second.code).toBe(0);
    const lines = records(out);
    expect(lines).toHaveLength(total);
    expect(new Set(lines.map((l) => l.key)).size).toBe(total);
    expect(lines.every((l) => l.status === 'ok')).toBe(true);
    expect(emulator!.stats().conversationsCreated).toBe(total);
    const report = await verifyAuditLog(audit);
    expect(report.ok).toBe(true);
  }, 240_000); // a hang guard: two CLI runs of 60 jobs took 51 s on a machine loaded to 8 times its cores
});
