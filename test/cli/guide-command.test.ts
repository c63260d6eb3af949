/**
 * `genesys-prompt guide deploy` as a user runs it (a child process against an emulator): prints the
 * guide id and version, creates nothing for an unchanged template, a dry run field by field, a
 * directory deploys each template, bad input never reaches the network, and a failed publish is a
 * typed error with the job's reason.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GUIDE_TRIGGERS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { tempDir } from '../injector-kit.js';
import { emulatorEnv, runCliProcess } from './cli-kit.js';

const running: Emulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

async function emulator(): Promise<Emulator> {
  const started = await startEmulator({ rateLimit: false, guidePublishReads: 1 });
  running.push(started);
  return started;
}

const DEPLOY = ['guide', 'deploy', 'examples/guide-refunds.yaml', '--poll-interval', '5'];

describe('genesys-prompt guide deploy', () => {
  it('deploys, prints the guide id and version, then reports an unchanged template and sends no write', async () => {
    const target = await emulator();
    const env = emulatorEnv(target);
    const first = await runCliProcess(DEPLOY, { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Refund assistant: guide [0-9a-f-]{36} version 1: created, published as ProductionReady \(new guide\)$/m,
    );
    expect(first.stdout).toContain('  + variables.orderTotal: (none) -> "Number Input"');

    const writesBefore = target.stats().guides;
    const again = await runCliProcess(DEPLOY, { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/version 1: up to date \(content [0-9a-f]{12}\); nothing sent/);
    expect(target.stats().guides).toEqual(writesBefore);
  });

  it('--dry-run prints each changed field and writes nothing; --json reports the plan', async () => {
    const target = await emulator();
    const env = emulatorEnv(target);
    await runCliProcess(DEPLOY, { env });
    const dir = tempDir();
    copyFileSync('examples/refund-examples.yaml', join(dir, 'refund-examples.yaml'));
    const edited = join(dir, 'guide-refunds.yaml');
    const original = readFileSync('examples/guide-refunds.yaml', 'utf8');
    writeFileSync(edited, original.replace('never promise a refund', 'never ever promise a refund'));
    const before = target.stats().guides;
    const dry = await runCliProcess(['guide', 'deploy', edited, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^Refund assistant: guide [0-9a-f-]{36}: would create a new version and publish it as ProductionReady$/m,
    );
    expect(dry.stdout).toMatch(
      /^ {2}~ instruction: "You are a compliance-aware.*" -> "You are a compliance-aware.*"$/m,
    );
    expect(target.stats().guides).toEqual(before);
    const json = await runCliProcess(['guide', 'deploy', edited, '--dry-run', '--json'], { env });
    const [entry] = JSON.parse(json.stdout) as Array<{
      action: string;
      dryRun: boolean;
      changes: Array<{ field: string }>;
    }>;
    expect(entry).toMatchObject({ action: 'created', dryRun: true });
    expect(entry?.changes.map((c) => c.field)).toEqual(['instruction']);
  });

  it('deploys every template of a directory, skipping files that are not templates', async () => {
    const target = await emulator();
    const dir = tempDir();
    for (const name of ['guide-refunds.yaml', 'refund-examples.yaml', 'refund-policy.yaml']) {
      copyFileSync(join('examples', name), join(dir, name));
    }
    const run = await runCliProcess(['guide', 'deploy', dir, '--poll-interval', '5'], {
      env: emulatorEnv(target),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('skipped');
    expect(run.stderr).toContain('refund-examples.yaml: not a template');
    expect(run.stdout).toMatch(/^Refund assistant: guide .* version 1: created/m);
    expect(run.stdout).toMatch(/^refund-policy: guide .* version 1: created/m);
    expect(target.stats().guides.guidesCreated).toBe(2);
  });

  it('checks every template before sending: an instruction over the budget exits 2 and sends nothing', async () => {
    const target = await emulator();
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const tight = join(dir, 'tight.yaml');
    writeFileSync(
      tight,
      'id: tight\nsystemInstruction: "A long instruction that cannot fit in a tiny budget of tokens at all, no."\nuserTemplate: "hi"\ncontextWindowLimit: 20\nmaxOutputTokens: 10\n',
    );
    const run = await runCliProcess(['guide', 'deploy', 'examples/guide-refunds.yaml', tight], {
      env: emulatorEnv(target),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/contextWindowLimit.*guide instruction/);
    expect(target.stats().requests).toBe(0);
  });

  it('a failed publish job exits 1 with the job reason, naming the file', async () => {
    const target = await emulator();
    const dir = tempDir();
    const broken = join(dir, 'broken.yaml');
    writeFileSync(
      broken,
      `id: broken\nsystemInstruction: "Help. ${GUIDE_TRIGGERS.publishFail}"\nuserTemplate: "hi"\ncontextWindowLimit: 1000\n`,
    );
    const run = await runCliProcess(['guide', 'deploy', broken, '--poll-interval', '5'], {
      env: emulatorEnv(target),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${broken}: error: publishing version 1 of guide`);
    expect(run.stderr).toContain('failed validation');
    expect(run.stderr).toContain('[guide.publish.failed]');
  });

  it('--guide names one guide and refuses several templates', async () => {
    const target = await emulator();
    const named = await runCliProcess([...DEPLOY, '--guide', 'Custom name'], { env: emulatorEnv(target) });
    expect(named.stdout).toMatch(/^Custom name: guide /m);
    const refused = await runCliProcess(
      ['guide', 'deploy', 'examples/guide-refunds.yaml', 'examples/refund-policy.yaml', '--guide', 'x'],
      {
        env: emulatorEnv(target),
      },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--guide');
  });
});
