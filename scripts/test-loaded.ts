#!/usr/bin/env node
// `npm run test:loaded`: the whole test suite beside four CPU-bound worker processes (twice the cores
// of the project's machines), to prove no test races a wall-clock timer. Extra arguments go to vitest.
// The workers spin until the suite ends (and stop by themselves after 30 minutes in any case).
import { spawn } from 'node:child_process';

const WORKERS = 4;
const WORKER_LIMIT_MS = 30 * 60_000;
const spin = `const end = Date.now() + ${WORKER_LIMIT_MS}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`;

const workers = Array.from({ length: WORKERS }, () =>
  spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }),
);
const stopWorkers = (): void => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
};
process.on('SIGINT', () => {
  stopWorkers();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stopWorkers();
  process.exit(143);
});

console.log(`test:loaded: ${WORKERS} CPU-bound workers running beside the suite`);
const started = Date.now();
const vitest = spawn('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
vitest.on('exit', (code, signal) => {
  stopWorkers();
  console.log(
    `test:loaded: suite ended (${code ?? signal}) after ${Math.round((Date.now() - started) / 1000)} s under load`,
  );
  process.exit(code ?? 1);
});
