// `npm run test:loaded`: the whole test suite beside four CPU-bound worker processes (twice the cores
// of the project's machines), to prove no test races a wall-clock timer. Test timeouts are only hang
// guards, so this run gives each test and hook 120 s (the suite's own default is 30 s); tests that set
// their own timeout keep it. Extra arguments go to vitest. The workers spin until the suite ends, and
// stop by themselves after 60 minutes in any case.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';

const WORKERS = 4;
const WORKER_LIMIT_MS = 60 * 60_000;
const LOADED_TIMEOUT_MS = 120_000;
const spin = `const end = Date.now() + ${WORKER_LIMIT_MS}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`;

const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const workers = Array.from({ length: WORKERS }, () =>
  spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }),
);
const started = Date.now();
const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(', ');
console.log(`test:loaded: ${WORKERS} CPU-bound workers running beside the suite (load average ${load()})`);
const vitest = spawn(
  process.execPath,
  [
    vitestBin,
    'run',
    `--testTimeout=${LOADED_TIMEOUT_MS}`,
    `--hookTimeout=${LOADED_TIMEOUT_MS}`,
    ...process.argv.slice(2),
  ],
  // A process group of its own, so a signal reaches vitest's workers and the processes they started.
  { stdio: 'inherit', detached: true },
);

const stopWorkers = (): void => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopWorkers();
    if (vitest.exitCode === null && vitest.pid !== undefined) process.kill(-vitest.pid, signal);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
vitest.on('exit', (code, signal) => {
  stopWorkers();
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `test:loaded: suite ended (${code ?? signal}) after ${seconds} s under load (load average ${load()})`,
  );
  process.exit(code ?? 1);
});
