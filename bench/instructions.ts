/**
 * Instructions per injection of our injector and of the minimal client, counted by valgrind's
 * callgrind: a count, not a time, so two commits — or the two clients — can be compared on a busy
 * machine where the CPU rows move by a tenth between runs. A client child (`instructions-child.ts`,
 * plain JavaScript) runs under callgrind twice against a fresh emulator process (native, first chunk
 * at once): a warm-up and `--small` injections, then a warm-up and `--large`; the difference of the
 * two totals over the difference of the counts is what one injection costs, start-up and loading
 * cancelled out. Callgrind counts every thread of the process (garbage collection included); a
 * client runs some 60 times slower under it, so the answers' frames come in larger batches than at
 * full speed. The minimal client is handed its create bodies, built by our prompt pipeline in this
 * process, as in the limit rows: its child reads the bodies of the large run in both runs, so that
 * reading cancels out too.
 * Run: node --import tsx bench/instructions.ts [--side ours|minimal|both] [--dist <path to dist/index.js>]
 *   [--concurrency 100] [--small 500] [--large 2000] [--warmup 200]
 *   (about 6 minutes per side; needs valgrind; `--small` at least `--concurrency`)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { MINIMAL_PLAIN, OURS_DIST, prepareBuiltClients } from './built-clients.js';
import { bodyOf } from './limit-bodies.js';
import { READ_ROUTE } from './limit.js';
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

/** A side of the count, and where the minimal side's bodies are. */
interface CountSide {
  side: 'ours' | 'minimal';
  bodiesFile: string;
  warmup: number;
}

/** Injections before the measured ones in every run, by default. */
const WARMUP = 200;

/** Callgrind's total instruction count of one client process that made `injections` after a warm-up. */
async function countRun(
  { side, bodiesFile, warmup }: CountSide,
  injections: number,
  concurrency: number,
  outDir: string,
): Promise<{ instructions: number; reads: number }> {
  const emulator = await startEmulatorProcess({
    rateLimit: false,
    chunkIntervalMs: 1,
    firstChunkDelayMs: 0,
    // Under callgrind a connection can sit idle for seconds; the server must not close it under the
    // client (the minimal client does not retry a reset).
    keepAliveTimeoutMs: 600_000,
  });
  const outFile = join(outDir, `callgrind.${side}.${injections}.out`);
  try {
    const setup: InstructionsChildSetup = {
      side,
      entry: pathToFileURL(side === 'ours' ? (process.env.BENCH_OURS_DIST ?? OURS_DIST) : MINIMAL_PLAIN).href,
      ...(side === 'minimal' ? { bodiesFile } : {}),
      baseUrl: emulator.baseUrl,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      assistantId: BENCH_ASSISTANT_ID,
      template: INJECTION_TEMPLATE,
      examples: INJECTION_EXAMPLES,
      warmup,
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
    const { requestsByRoute } = await emulator.stats();
    return { instructions: Number(summary[1]), reads: requestsByRoute[READ_ROUTE] ?? 0 };
  } finally {
    await emulator.close();
  }
}

/** One side's totals of the two runs, and what one injection costs. */
export interface InstructionCount {
  small: number;
  large: number;
  perInjection: number;
  /** Conversation reads the emulator served in the two runs together (warm-ups included). */
  reads: number;
}

/**
 * Instructions per injection of each side asked for, from two runs of different sizes each.
 * @param options sizes, concurrency and sides
 */
export async function measureInstructions(
  options: {
    small?: number;
    large?: number;
    concurrency?: number;
    warmup?: number;
    sides?: Array<'ours' | 'minimal'>;
  } = {},
): Promise<Partial<Record<'ours' | 'minimal', InstructionCount>>> {
  const small = options.small ?? 500;
  const large = options.large ?? 2000;
  const concurrency = options.concurrency ?? 100;
  const warmup = options.warmup ?? WARMUP;
  // Two runs compare like for like only when both keep `concurrency` injections in flight.
  if (small < concurrency || large <= small)
    throw new RangeError(
      `instructions: need concurrency (${concurrency}) <= small (${small}) < large (${large}); raise --small or lower --concurrency`,
    );
  prepareBuiltClients();
  transpileChild();
  // BENCH_CALLGRIND_DIR=<dir> keeps the callgrind files there (for callgrind_annotate: V8's builtins,
  // runtime and garbage collector are named; JIT-compiled JavaScript is not).
  const keepDir = process.env.BENCH_CALLGRIND_DIR;
  const outDir = keepDir ?? (await mkdtemp(join(tmpdir(), 'instructions-')));
  try {
    const bodiesFile = join(outDir, 'bodies.json');
    await writeFile(
      bodiesFile,
      JSON.stringify(Array.from({ length: warmup + large }, (_, i) => bodyOf(i).toString('utf8'))),
    );
    const counts: Partial<Record<'ours' | 'minimal', InstructionCount>> = {};
    for (const side of options.sides ?? ['ours', 'minimal']) {
      const few = await countRun({ side, bodiesFile, warmup }, small, concurrency, outDir);
      const many = await countRun({ side, bodiesFile, warmup }, large, concurrency, outDir);
      counts[side] = {
        small: few.instructions,
        large: many.instructions,
        perInjection: (many.instructions - few.instructions) / (large - small),
        reads: few.reads + many.reads,
      };
    }
    return counts;
  } finally {
    if (keepDir === undefined) await rm(outDir, { recursive: true, force: true });
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
  const side = flag('--side') ?? 'both';
  if (side !== 'ours' && side !== 'minimal' && side !== 'both')
    throw new RangeError(`instructions: --side is ours, minimal or both, not ${side}`);
  const counts = await measureInstructions({
    ...(number('--small') === undefined ? {} : { small: number('--small') }),
    ...(number('--large') === undefined ? {} : { large: number('--large') }),
    ...(number('--concurrency') === undefined ? {} : { concurrency: number('--concurrency') }),
    ...(number('--warmup') === undefined ? {} : { warmup: number('--warmup') }),
    sides: side === 'both' ? ['ours', 'minimal'] : [side],
  });
  for (const [name, count] of Object.entries(counts))
    process.stdout.write(
      `${name}: ${(count.perInjection / 1e6).toFixed(3)} M instructions per injection (totals ${count.small} / ${count.large}; ${count.reads} conversation reads)\n`,
    );
  const { ours, minimal } = counts;
  if (ours !== undefined && minimal !== undefined)
    process.stdout.write(`ours / minimal: ${(ours.perInjection / minimal.perInjection).toFixed(2)}x\n`);
}
