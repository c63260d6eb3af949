/**
 * Instructions per injection of our injector, counted by valgrind's callgrind: a count, not a time,
 * so two commits can be compared on a busy machine where the CPU rows move by a tenth between runs.
 * A client child (`instructions-child.ts`, plain JavaScript) runs under callgrind twice against a
 * fresh emulator process (native, first chunk at once): a warm-up and `--small` injections, then a
 * warm-up and `--large`; the difference of the two totals over the difference of the counts is
 * what one injection costs, start-up and loading cancelled out. Callgrind counts every thread of
 * the process (garbage collection included); the client runs some 60 times slower under it, so the
 * answers' frames come in larger batches than at full speed. Our side only: the minimal client is
 * handed its bodies by our prompt pipeline inside its process (see `limit-bodies.ts`), which a
 * count of the whole process would charge to it.
 * Run: node --import tsx bench/instructions.ts [--dist <path to dist/index.js>] [--concurrency 100]
 *   [--small 500] [--large 2000]   (about 6 minutes; needs valgrind; `--small` at least `--concurrency`)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { MINIMAL_PLAIN, OURS_DIST, prepareBuiltClients } from './built-clients.js';
import { startEmulatorProcess } from './emulator-process.js';
import { BENCH_ASSISTANT_ID, INJECTION_EXAMPLES, INJECTION_TEMPLATE } from './injection-fixture.js';
import type { InstructionsChildSetup } from './instructions-child.js';

/** The child as plain JavaScript, beside the transpiled minimal client. */
const CHILD_PLAIN = join(dirname(MINIMAL_PLAIN), 'instructions-child.mjs');

function transpileChild(): void {
  const source = readFileSync(fileURLToPath(new URL('./instructions-child.ts', import.meta.url)), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(dirname(CHILD_PLAIN), { recursive: true });
  writeFileSync(CHILD_PLAIN, outputText);
}

/** Callgrind's total instruction count of one client process that made `injections` after a warm-up. */
async function countRun(injections: number, concurrency: number, outDir: string): Promise<number> {
  const emulator = await startEmulatorProcess({ rateLimit: false, chunkIntervalMs: 1, firstChunkDelayMs: 0 });
  const outFile = join(outDir, `callgrind.${injections}.out`);
  try {
    const setup: InstructionsChildSetup = {
      entry: pathToFileURL(process.env.BENCH_OURS_DIST ?? OURS_DIST).href,
      baseUrl: emulator.baseUrl,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      assistantId: BENCH_ASSISTANT_ID,
      template: INJECTION_TEMPLATE,
      examples: INJECTION_EXAMPLES,
      warmup: 200,
      injections,
      concurrency,
    };
    await promisify(execFile)(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${outFile}`,
        '--dump-instr=no',
        process.execPath,
        CHILD_PLAIN,
        JSON.stringify(setup),
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const summary = /^summary: (\d+)$/m.exec(await readFile(outFile, 'utf8'));
    if (summary === null) throw new Error(`no summary line in ${outFile}`);
    return Number(summary[1]);
  } finally {
    await emulator.close();
  }
}

/**
 * Instructions per injection, from two runs of different sizes.
 * @param options sizes and concurrency
 */
export async function measureInstructions(
  options: { small?: number; large?: number; concurrency?: number } = {},
): Promise<{ small: number; large: number; perInjection: number }> {
  const small = options.small ?? 500;
  const large = options.large ?? 2000;
  const concurrency = options.concurrency ?? 100;
  // Two runs compare like for like only when both keep `concurrency` injections in flight.
  if (small < concurrency || large <= small)
    throw new RangeError(
      `instructions: need concurrency (${concurrency}) <= small (${small}) < large (${large}); raise --small or lower --concurrency`,
    );
  prepareBuiltClients();
  transpileChild();
  const outDir = await mkdtemp(join(tmpdir(), 'instructions-'));
  try {
    const [few, many] = [
      await countRun(small, concurrency, outDir),
      await countRun(large, concurrency, outDir),
    ];
    return { small: few, large: many, perInjection: (many - few) / (large - small) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const flag = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
  };
  const number = (name: string): number | undefined => {
    const value = flag(name);
    return value === undefined ? undefined : Number(value);
  };
  const dist = flag('--dist');
  if (dist !== undefined) process.env.BENCH_OURS_DIST = dist;
  const result = await measureInstructions({
    ...(number('--small') === undefined ? {} : { small: number('--small') }),
    ...(number('--large') === undefined ? {} : { large: number('--large') }),
    ...(number('--concurrency') === undefined ? {} : { concurrency: number('--concurrency') }),
  });
  process.stdout.write(
    `instructions per injection: ${(result.perInjection / 1e6).toFixed(3)} M (totals ${result.small} / ${result.large})\n`,
  );
}
