/**
 * Vitest global setup: bundles the CLI from today's source once per test run, as the package build
 * does (one esbuild bundle with its rank tables beside it), so the tests that start the CLI as a child
 * process run what `genesys-prompt` runs after `npm install`, without compiling TypeScript and
 * gpt-tokenizer's tables again in every child. The bundle goes to a directory of this run's own under
 * `node_modules/.cache/` (so another run, or a build of `dist/`, never replaces it mid-run) and is
 * removed at the end; tests find it with `inject('builtCli')`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'tsup';
import type { TestProject } from 'vitest/node';
import { compactRanks, type RankTableName } from '../../src/prompt/rank-table.js';
import { encodeRankFile, rankFileUrl, tableSourceVersion } from '../../src/prompt/rank-table-file.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundled CLI's entry (`<dir>/cli/main.js`). */
    builtCli: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TABLES: RankTableName[] = ['o200k_base', 'cl100k_base'];

/** Bundles the CLI; returns the teardown that removes the bundle. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Inside the repository, so the bundle resolves its dependencies from node_modules/ as dist/ does.
  const dir = join(ROOT, 'node_modules', '.cache', 'genesys-prompt-test-cli', String(process.pid));
  await rm(dir, { recursive: true, force: true });
  await build({
    config: false,
    entry: { 'cli/main': join(ROOT, 'src', 'cli', 'main.ts') },
    outDir: dir,
    format: ['esm'],
    target: 'node20',
    splitting: true,
    keepNames: false,
    silent: true,
  });
  const require = createRequire(import.meta.url);
  for (const name of TABLES) {
    const ranks = (require(`gpt-tokenizer/bpeRanks/${name}`) as { default: (string | number[])[] }).default;
    const file = rankFileUrl(name, pathToFileURL(`${dir}/`));
    await mkdir(new URL('./', file), { recursive: true });
    await writeFile(file, encodeRankFile(compactRanks(ranks), tableSourceVersion()));
  }
  project.provide('builtCli', join(dir, 'cli', 'main.js'));
  return () => rm(dir, { recursive: true, force: true });
}
