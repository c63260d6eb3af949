/**
 * The package as a consumer gets it: `npm pack`, installed from the tarball into an empty project,
 * type-checked strictly (no `skipLibCheck`) under each module resolution a TypeScript project may use,
 * then the README's library example and the shipped example run from the installed package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, cleanEnv } from './cli/cli-kit.js';
import { tempDir } from './injector-kit.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const installedVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

/** The README's library example (the ```ts block under "## The library"). */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return /## The library\n\n```ts\n([\s\S]*?)```/.exec(readme)![1]!;
}

let app = '';
let installLog = '';

beforeAll(() => {
  const dir = tempDir();
  // `prepack` builds dist/ first, so the tarball holds what the source says today.
  const packed = execFileSync(NPM, ['pack', '--pack-destination', dir, '--silent'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const tarball = packed.trim().split('\n').pop()!;
  app = join(dir, 'app');
  execFileSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), '{"name": "consumer", "private": true, "type": "module"}\n');
  const install = spawnSync(
    NPM,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(dir, tarball),
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${installedVersion('@types/node')}`,
    ],
    { cwd: app, encoding: 'utf8', env: cleanEnv() },
  );
  installLog = `${install.stdout}\n${install.stderr}`;
  expect(install.status, installLog).toBe(0);
  writeFileSync(join(app, 'main.ts'), readmeLibraryExample());
  // The README example reads examples/ from the working directory, as in a clone.
  cpSync(join(app, 'node_modules', 'genesys-prompt-injector', 'examples'), join(app, 'examples'), {
    recursive: true,
  });
}, 240_000);

describe('the packed package, installed in an empty project', () => {
  it('installs without asking the consumer to run an install script', () => {
    expect(installLog).not.toMatch(/genesys-prompt-injector@[\d.]+ \((pre|post)?(install|prepare)/);
  });

  it.each([
    ['node16', 'node16'],
    ['nodenext', 'nodenext'],
    ['bundler', 'esnext'],
  ])(
    'type-checks the README example with --strict and no skipLibCheck (%s resolution)',
    (resolution, module) => {
      const config = {
        compilerOptions: {
          strict: true,
          skipLibCheck: false,
          module,
          moduleResolution: resolution,
          target: 'ES2022',
          types: ['node'],
          noEmit: true,
        },
        files: ['main.ts', 'node_modules/genesys-prompt-injector/examples/library-usage.ts'],
      };
      writeFileSync(join(app, `tsconfig.${resolution}.json`), JSON.stringify(config));
      const tsc = spawnSync(
        process.execPath,
        ['node_modules/typescript/bin/tsc', '-p', `tsconfig.${resolution}.json`],
        {
          cwd: app,
          encoding: 'utf8',
        },
      );
      expect(tsc.status, tsc.stdout).toBe(0);
    },
    120_000,
  );

  it('runs the README example, compiled by the consumer, against the built-in emulator', () => {
    const config = {
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'ES2022',
        types: ['node'],
        outDir: 'out',
      },
      files: ['main.ts'],
    };
    writeFileSync(join(app, 'tsconfig.run.json'), JSON.stringify(config));
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.run.json'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(tsc.status, tsc.stdout).toBe(0);
    const run = spawnSync(process.execPath, ['out/main.js'], {
      cwd: app,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/stop \{ promptTokens: \d+, completionTokens: \d+ \}/);
  }, 120_000);

  it('runs the shipped example from inside the installed package', () => {
    const run = spawnSync(
      process.execPath,
      [CLI[0]!, CLI[1]!, 'node_modules/genesys-prompt-injector/examples/library-usage.ts'],
      { cwd: app, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/stop \{ promptTokens: \d+, completionTokens: \d+ \}/);
  }, 120_000);
});
