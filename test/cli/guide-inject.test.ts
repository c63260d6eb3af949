/**
 * `--backend guides` on the command line: `inject` (with `--guide <id|name>`, or against the built-in
 * emulator where the template is deployed first) and per job in `batch`; bad typed variables and
 * unknown guides stop before anything is sent; every flag spelling matches the injector's registry.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBatchResults } from '../../src/cli/batch/batch-journal.js';
import { BACKENDS } from '../../src/cli/injector-flags.js';
import { GUIDE_TRIGGERS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { BACKEND_NAMES } from '../../src/injector-backends.js';
import { readEntryLine } from '../../src/observe/audit-entry.js';
import { tempDir } from '../injector-kit.js';
import { ROOT, cleanEnv, emulatorEnv, runCliProcess } from './cli-kit.js';

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulatorWithGuide(): Promise<{ emulator: Emulator; env: NodeJS.ProcessEnv; guideId: string }> {
  const emulator = await startEmulator({ rateLimit: false, guidePublishReads: 0 });
  running.push(emulator);
  const env = emulatorEnv(emulator);
  const deployed = await runCliProcess(['guide', 'deploy', 'examples/guide-refunds.yaml', '--json'], { env });
  const [result] = JSON.parse(deployed.stdout) as Array<{ guideId: string }>;
  return { emulator, env, guideId: result!.guideId };
}

const VARS = ['--var', 'productType=annual plan', '--var', 'orderTotal=120'];

describe('--backend guides', () => {
  it('spells the backends exactly as the injector registers them', () => {
    expect([...BACKENDS].sort()).toEqual([...BACKEND_NAMES].sort());
  });

  it('inject with no credentials deploys the template to the built-in emulator, then answers the turn', async () => {
    const audit = join(tempDir(), 'audit.jsonl');
    const run = await runCliProcess(
      ['inject', 'examples/guide-refunds.yaml', '--backend', 'guides', ...VARS, '--audit', audit],
      { env: cleanEnv() },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('using the built-in emulator');
    expect(run.stderr).toMatch(
      /deployed "Refund assistant" to the built-in emulator as guide [0-9a-f-]{36} version 1/,
    );
    expect(run.stderr).toMatch(/^guide [0-9a-f-]{36} version 1 · COMPLETED SUCCESSFUL_COLLECTION$/m);
    expect(run.stdout.trim().length).toBeGreaterThan(40);
    const entry = readEntryLine(readFileSync(audit, 'utf8').trim()).entry;
    expect(entry).toMatchObject({ complianceStatus: 'AUDITED', backend: 'guides', targetVersion: '1' });
  });

  it('inject --guide <name> talks to the deployed guide; --json carries the turn details', async () => {
    const { env, guideId } = await emulatorWithGuide();
    const run = await runCliProcess(
      [
        'inject',
        'examples/guide-refunds.yaml',
        '--backend',
        'guides',
        '--guide',
        'refund assistant',
        ...VARS,
        '--json',
        '--no-audit',
      ],
      { env },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { response: string; details: Record<string, unknown> };
    expect(result.details).toMatchObject({
      guideId,
      version: '1',
      status: 'COMPLETED',
      result: 'SUCCESSFUL_COLLECTION',
    });
    expect(result.response.length).toBeGreaterThan(40);
  });

  it('an unknown guide name exits 2 naming --guide; a bad typed variable exits 2 before any request', async () => {
    const { emulator, env } = await emulatorWithGuide();
    const unknown = await runCliProcess(
      [
        'inject',
        'examples/guide-refunds.yaml',
        '--backend',
        'guides',
        '--guide',
        'Nobody',
        ...VARS,
        '--no-audit',
      ],
      { env },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no guide is named "Nobody"');
    const before = emulator.stats().requests;
    const typed = await runCliProcess(
      [
        'inject',
        'examples/guide-refunds.yaml',
        '--backend',
        'guides',
        '--var',
        'productType=x',
        '--var',
        'orderTotal=lots',
        '--no-audit',
      ],
      { env },
    );
    expect(typed.code).toBe(2);
    expect(typed.stderr).toContain('variables.orderTotal');
    expect(emulator.stats().requests).toBe(before);
  });

  it('batch runs guide jobs per line, records each session, and a rerun sends nothing', async () => {
    const { emulator, env, guideId } = await emulatorWithGuide();
    const dir = tempDir();
    for (const name of ['guide-refunds.yaml', 'refund-examples.yaml', 'refund-policy.yaml']) {
      copyFileSync(join(ROOT, 'examples', name), join(dir, name));
    }
    const jobs = join(dir, 'jobs.jsonl');
    const lines = [
      { id: 'a', template: 'guide-refunds.yaml', backend: 'guides', variables: { productType: 'hardware' } },
      {
        id: 'b',
        template: 'guide-refunds.yaml',
        backend: 'guides',
        guide: guideId,
        variables: { productType: `x ${GUIDE_TRIGGERS.escalate}` },
      },
      { id: 'c', template: 'refund-policy.yaml', variables: { productType: 'subscription' } },
    ];
    writeFileSync(jobs, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const out = join(dir, 'results.jsonl');
    const first = await runCliProcess(['batch', jobs, '--out', out, '--no-audit'], { env });
    expect(first.code, first.stderr).toBe(0);
    const records = parseBatchResults(readFileSync(out, 'utf8')).records;
    expect(records.map((r) => [r.id, r.status])).toEqual(
      expect.arrayContaining([
        ['a', 'ok'],
        ['b', 'ok'],
        ['c', 'ok'],
      ]),
    );
    expect(emulator.stats().guides.sessionsStarted).toBe(2);
    const turns = emulator.stats().guides.turns;
    const again = await runCliProcess(['batch', jobs, '--out', out, '--no-audit'], { env });
    expect(again.code).toBe(0);
    expect(emulator.stats().guides.turns).toBe(turns);
  });

  it('batch refuses a job whose backend is not one, naming the line', async () => {
    const dir = tempDir();
    copyFileSync(join(ROOT, 'examples', 'guide-refunds.yaml'), join(dir, 'guide-refunds.yaml'));
    copyFileSync(join(ROOT, 'examples', 'refund-examples.yaml'), join(dir, 'refund-examples.yaml'));
    const jobs = join(dir, 'jobs.jsonl');
    writeFileSync(
      jobs,
      `${JSON.stringify({ template: 'guide-refunds.yaml', backend: 'guide', variables: { productType: 'x' } })}\n`,
    );
    const run = await runCliProcess(['batch', jobs, '--no-audit'], { env: cleanEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('line 1: backend');
  });
});
