/**
 * The package as a consumer gets it: `npm pack`, installed from the tarball into an empty project,
 * type-checked strictly (no `skipLibCheck`) under each module resolution a TypeScript project may use,
 * then the README's library example and the shipped example run from the installed package.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TSX, cleanEnv } from './cli/cli-kit.js';
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

const checked = new Map<string, SpawnSyncReturns<string>>();
/**
 * Runs the consumer's `tsc` once per module resolution (strict, no skipLibCheck) over the README
 * example and the shipped one; under nodenext it also emits, so the example can run.
 */
function typeCheck(resolution: string, module: string): SpawnSyncReturns<string> {
  const done = checked.get(resolution);
  if (done) return done;
  const emit = resolution === 'nodenext';
  const config = {
    compilerOptions: {
      strict: true,
      skipLibCheck: false,
      module,
      moduleResolution: resolution,
      target: 'ES2022',
      types: ['node'],
      ...(emit ? { outDir: 'out', rootDir: '.' } : { noEmit: true }),
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
  // The shipped example's output lands in out/node_modules/..., where Node would look for the package.
  if (emit) rmSync(join(app, 'out', 'node_modules'), { recursive: true, force: true });
  checked.set(resolution, tsc);
  return tsc;
}

/** Runs `code` as an ES module in the consumer project. */
const runModule = (code: string) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: app, encoding: 'utf8' });

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
    'type-checks the README example and the shipped one with --strict and no skipLibCheck (%s resolution)',
    (resolution, module) => {
      const tsc = typeCheck(resolution, module);
      expect(tsc.status, tsc.stdout).toBe(0);
    },
    120_000,
  );

  it('runs the README example, compiled by the consumer, against the built-in emulator', () => {
    const tsc = typeCheck('nodenext', 'nodenext'); // emits out/main.js
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
      [...TSX, 'node_modules/genesys-prompt-injector/examples/library-usage.ts'],
      { cwd: app, env: cleanEnv(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/stop \{ promptTokens: \d+, completionTokens: \d+ \}/);
  }, 120_000);

  it("can be required from CommonJS (require of ESM), or says why not in Node's own words", () => {
    const run = spawnSync(
      process.execPath,
      ['-e', "const m = require('genesys-prompt-injector'); console.log(typeof m.GenesysPromptInjector)"],
      { cwd: app, encoding: 'utf8' },
    );
    if (run.status === 0) expect(run.stdout.trim()).toBe('function');
    else expect(run.stderr).toMatch(/ERR_REQUIRE_ESM|ERR_REQUIRE_ASYNC_MODULE/);
    expect(run.stderr).not.toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('keeps the error class names of the source', () => {
    const run = runModule(
      "import { validatePromptSchema, ValidationError } from 'genesys-prompt-injector';" +
        'try { validatePromptSchema({}); } catch (e) { console.log(e.name, e instanceof ValidationError); }',
    );
    expect(run.stdout.trim()).toBe('ValidationError true');
  });

  it('names every exported class and function as it is exported (the build keeps no names)', () => {
    const run = runModule(
      "const entries = ['genesys-prompt-injector', 'genesys-prompt-injector/emulator'];" +
        'const seen = []; for (const entry of entries) { const m = await import(entry);' +
        " for (const [key, value] of Object.entries(m)) if (typeof value === 'function') seen.push([key, value.name]); }" +
        'console.log(JSON.stringify(seen));',
    );
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as Array<[string, string]>;
    expect(seen.length).toBeGreaterThan(40);
    expect(seen.filter(([key, name]) => key !== name)).toEqual([]);
  });

  it('installs the genesys-prompt command', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = spawnSync(join(app, 'node_modules', '.bin', 'genesys-prompt'), ['--version'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });
});
