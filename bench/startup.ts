/**
 * Start-up: wall time of `genesys-prompt --help` and of `genesys-prompt validate` of one template
 * (the built CLI, `dist/cli/main.js`, as users run it) against `node -e 0`, in the same run. Each
 * process is started 9 times, the three commands interleaved, after one unmeasured start each; the
 * medians count. Each child also reports its own CPU time at exit (a preloaded module), shown beside
 * the wall time: on a shared machine the wall time carries the neighbours' load, the CPU time does not.
 * The build is refreshed first when a source file is newer than it.
 * Run alone: node --import tsx bench/startup.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { metCell, num, type BenchRow } from './bench-table.js';
import { median } from './run-pool.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const TEMPLATE = join(ROOT, 'examples', 'refund-policy.yaml');

/** Options of `measureStartup`. */
export interface StartupOptions {
  /** Measured starts per command (default 9). */
  rounds?: number;
}

/** Median wall and CPU milliseconds of one command. */
export interface StartupFigures {
  wallMs: number;
  cpuMs: number;
}

/** The figures of the rows. */
export interface StartupResult {
  baseline: StartupFigures;
  help: StartupFigures;
  validate: StartupFigures;
}

/** The newest modification time under a folder, in ms. */
function newest(folder: string): number {
  let latest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds dist/ when it is missing or older than the sources. */
export function ensureBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newest(join(ROOT, 'src'))) return;
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}

/** A module that writes the process's CPU time (user + system, µs) to file descriptor 3 at exit. */
function cpuReporter(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'startup-bench-')), 'report-cpu.mjs');
  writeFileSync(
    file,
    "import { writeSync } from 'node:fs';\n" +
      "process.on('exit', () => { const u = process.cpuUsage(); writeSync(3, String(u.user + u.system)); });\n",
  );
  return pathToFileURL(file).href;
}

/** Starts `node <args>` once; wall and CPU milliseconds. */
function start(
  reporter: string,
  args: readonly string[],
  check?: (stdout: string) => boolean,
): StartupFigures {
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', reporter, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0 || (check && !check(run.stdout))) {
    throw new Error(`node ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  }
  return { wallMs, cpuMs: Number(run.output[3] ?? 0) / 1000 };
}

/**
 * Measures the rows.
 * @param options rounds
 */
export async function measureStartup(options: StartupOptions = {}): Promise<StartupResult> {
  const rounds = options.rounds ?? 9;
  ensureBuilt();
  const reporter = cpuReporter();
  const commands = {
    baseline: () => start(reporter, ['-e', '0']),
    help: () => start(reporter, [CLI, '--help'], (out) => out.includes('validate')),
    validate: () => start(reporter, [CLI, 'validate', TEMPLATE], (out) => out.includes(': OK')),
  };
  for (const run of Object.values(commands)) run();
  const samples: Record<keyof typeof commands, StartupFigures[]> = { baseline: [], help: [], validate: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(commands) as Array<
      [keyof typeof commands, () => StartupFigures]
    >) {
      samples[name].push(run());
    }
  }
  const summary = (list: StartupFigures[]): StartupFigures => ({
    wallMs: median(list.map((s) => s.wallMs)),
    cpuMs: median(list.map((s) => s.cpuMs)),
  });
  return {
    baseline: summary(samples.baseline),
    help: summary(samples.help),
    validate: summary(samples.validate),
  };
}

/** The table rows. */
export function startupRows(result: StartupResult): BenchRow[] {
  const base = result.baseline;
  const line = (what: string, figures: StartupFigures, goal: number): BenchRow => {
    const ratio = figures.wallMs / base.wallMs;
    return {
      row: `start-up: ${what} (dist/cli/main.js; CPU ${num(figures.cpuMs)} ms vs ${num(base.cpuMs)} ms, ${num(figures.cpuMs / base.cpuMs, 1)}x)`,
      ours: `${num(figures.wallMs)} ms`,
      peer: `node -e 0: ${num(base.wallMs)} ms`,
      ratio: `${num(ratio, 1)}x`,
      goal: `<= ${goal}x`,
      met: metCell(ratio <= goal),
    };
  };
  return [
    line('genesys-prompt --help', result.help, 3),
    line('genesys-prompt validate of one template (exact o200k counts)', result.validate, 6),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureStartup();
  console.log(JSON.stringify(result, null, 2));
}
