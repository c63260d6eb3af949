import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import { compactRanks, type RankTableName } from './src/prompt/rank-table.js';
import { encodeRankFile, rankFileUrl, tableSourceVersion } from './src/prompt/rank-table-file.js';

const require = createRequire(import.meta.url);

/** Writes each rank table in compact form beside the bundle, so the first count loads it fast. */
async function writeRankTables(): Promise<void> {
  const dist = new URL('./dist/', import.meta.url);
  for (const name of ['o200k_base', 'cl100k_base'] satisfies RankTableName[]) {
    const ranks = (require(`gpt-tokenizer/bpeRanks/${name}`) as { default: (string | number[])[] }).default;
    const file = rankFileUrl(name, dist);
    await mkdir(new URL('./', file), { recursive: true });
    await writeFile(file, encodeRankFile(compactRanks(ranks), tableSourceVersion()));
  }
}

export default defineConfig({
  // The client and the emulator are separate entries, so importing the client never loads the emulator.
  entry: { index: 'src/index.ts', emulator: 'src/emulator-entry.ts', 'cli/main': 'src/cli/main.ts' },
  format: ['esm'],
  target: 'node20',
  dts: { entry: { index: 'src/index.ts', emulator: 'src/emulator-entry.ts' } },
  sourcemap: true,
  clean: true,
  // No keepNames: it wraps every named closure in `__name()`, a call and a property store each time
  // one is created (about 1.8 KB per open stream). Names survive as written; a class that names itself
  // in its own body would be emitted as `class _Name`, so none does (the package test checks exports).
  keepNames: false,
  splitting: true,
  onSuccess: writeRankTables,
});
