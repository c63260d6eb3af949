/**
 * Baseline memory of a client process: heap used and RSS after `gc()`, once the client is imported
 * and once it is logged in (our injector loads the SDK on first use), for our built package
 * (`dist/index.js`), the minimal client (`minimal-client.ts`, transpiled by TypeScript to plain
 * JavaScript, so neither side carries tsx) and `node` importing nothing. Each is a fresh `node
 * --expose-gc` process, interleaved over `rounds`; medians. The emulator runs in its own process.
 * Run alone: node --import tsx bench/import-baseline.ts
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { metCell, num, type BenchRow } from './bench-table.js';
import { startEmulatorProcess } from './emulator-process.js';
import { MINIMAL_PLAIN, OURS_DIST, prepareBuiltClients, ROOT } from './built-clients.js';

/** Heap and RSS in bytes at one point. */
export interface MemoryPoint {
  heapUsed: number;
  rss: number;
}

/** One side's medians. */
export interface BaselineSide {
  imported: MemoryPoint;
  loggedIn: MemoryPoint;
}

/** The figures of the baseline rows. */
export interface ImportBaselineResult {
  rounds: number;
  ours: BaselineSide;
  minimal: BaselineSide;
  node: MemoryPoint;
}

/** A script that prints heap/RSS after gc at `imported` and after the login, as one JSON line. */
function script(side: 'ours' | 'minimal' | 'node', baseUrl: string, id: string, secret: string): string {
  const point =
    'const point = () => { gc(); gc(); const m = process.memoryUsage(); return { heapUsed: m.heapUsed, rss: m.rss }; };';
  if (side === 'node') return `${point} console.log(JSON.stringify({ imported: point() }));`;
  const credentials = JSON.stringify({ clientId: id, clientSecret: secret });
  const open =
    side === 'ours'
      ? `const m = await import(${JSON.stringify(pathToFileURL(OURS_DIST).href)}); const imported = point();
         const c = new m.GenesysPromptInjector({ environment: ${JSON.stringify(baseUrl)}, ...${credentials}, requestsPerMinute: 0 });
         await c.initialize(); const loggedIn = point(); await c.close();`
      : `const m = await import(${JSON.stringify(pathToFileURL(MINIMAL_PLAIN).href)}); const imported = point();
         const c = await m.MinimalClient.open({ baseUrl: ${JSON.stringify(baseUrl)}, ...${credentials} });
         const loggedIn = point(); c.close();`;
  return `${point} ${open} console.log(JSON.stringify({ imported, loggedIn }));`;
}

const medianOf = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
};
const medianPoint = (points: MemoryPoint[]): MemoryPoint => ({
  heapUsed: medianOf(points.map((p) => p.heapUsed)),
  rss: medianOf(points.map((p) => p.rss)),
});

/**
 * Measures the baselines.
 * @param rounds starts per side (default 3)
 */
export async function measureImportBaseline(rounds = 3): Promise<ImportBaselineResult> {
  prepareBuiltClients();
  const emulator = await startEmulatorProcess({ rateLimit: false });
  const seen: Record<
    'ours' | 'minimal' | 'node',
    Array<{ imported: MemoryPoint; loggedIn?: MemoryPoint }>
  > = {
    ours: [],
    minimal: [],
    node: [],
  };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const side of ['ours', 'minimal', 'node'] as const) {
        const code = script(side, emulator.baseUrl, emulator.clientId, emulator.clientSecret);
        const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        seen[side].push(JSON.parse(out.trim().split('\n').pop() ?? '{}') as { imported: MemoryPoint });
      }
    }
  } finally {
    await emulator.close();
  }
  const side = (name: 'ours' | 'minimal'): BaselineSide => ({
    imported: medianPoint(seen[name].map((s) => s.imported)),
    loggedIn: medianPoint(seen[name].flatMap((s) => (s.loggedIn === undefined ? [] : [s.loggedIn]))),
  });
  return {
    rounds,
    ours: side('ours'),
    minimal: side('minimal'),
    node: medianPoint(seen.node.map((s) => s.imported)),
  };
}

const mb = (bytes: number): string => `${num(bytes / 2 ** 20, 1)} MB`;

/** The table rows: after import, after login (RSS goal 90 MB). */
export function importBaselineRows(result: ImportBaselineResult): BenchRow[] {
  const cell = (p: MemoryPoint): string => `heap ${mb(p.heapUsed)}, RSS ${mb(p.rss)}`;
  const note = `medians of ${result.rounds} fresh node processes; node importing nothing: ${cell(result.node)}`;
  return [
    {
      row: `baseline memory after importing the client (ours: dist/index.js; minimal: minimal-client.ts as plain JS; ${note})`,
      ours: cell(result.ours.imported),
      peer: cell(result.minimal.imported),
      ratio: `RSS ${num(result.ours.imported.rss / result.minimal.imported.rss, 2)}x`,
      goal: 'RSS <= 90 MB',
      met: metCell(result.ours.imported.rss <= 90 * 2 ** 20),
    },
    {
      row: 'baseline memory once logged in (ours loads the SDK on first use; minimal has a channel socket open too)',
      ours: cell(result.ours.loggedIn),
      peer: cell(result.minimal.loggedIn),
      ratio: `RSS ${num(result.ours.loggedIn.rss / result.minimal.loggedIn.rss, 2)}x`,
      goal: 'RSS <= 90 MB',
      met: metCell(result.ours.loggedIn.rss <= 90 * 2 ** 20),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureImportBaseline();
  console.log(JSON.stringify(result, null, 2));
  for (const row of importBaselineRows(result))
    console.log(`${row.row} | ${row.ours} | ${row.peer} | ${row.met}`);
}
