/**
 * Distributed-batch test helpers: a jobs file beside the example templates, a queue name of the
 * test's own (obliterated afterwards), CLI workers as child processes, and waiting on a condition.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { tempDir } from '../injector-kit.js';
import { ROOT, startCli } from '../cli/cli-kit.js';
import { REDIS_URL } from './redis-kit.js';

/** A jobs file of `count` refund jobs, beside a copy of the example template. */
export function refundJobs(count: number): { dir: string; jobs: string; out: string } {
  const dir = tempDir();
  for (const name of ['refund-policy.yaml', 'refund-examples.yaml']) {
    copyFileSync(join(ROOT, 'examples', name), join(dir, name));
  }
  const jobs = join(dir, 'jobs.jsonl');
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `job-${i + 1}`,
      template: 'refund-policy.yaml',
      variables: { productType: `plan ${i + 1}` },
    }),
  );
  writeFileSync(jobs, `${lines.join('\n')}\n`);
  return { dir, jobs, out: join(dir, 'results.jsonl') };
}

/** One record of a results file. */
export interface ResultLine {
  key: string;
  id?: string;
  status: string;
  conversationId?: string;
}

/** The records of a results file. */
export const resultLines = (path: string): ResultLine[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ResultLine & { run?: unknown })
    .filter((line) => line.run === undefined); // the first line names the run

const queues: string[] = [];

/** A queue name of this test's own. */
export function testQueueName(): string {
  const name = `gpi-test-${randomUUID()}`;
  queues.push(name);
  return name;
}

/** Deletes every queue handed out since the last call. */
export async function obliterateQueues(): Promise<void> {
  for (const name of queues.splice(0)) {
    const queue = new Queue(name, { connection: { url: REDIS_URL } });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** A CLI child process still running, with its output so far. */
export type RunningCli = ReturnType<typeof startCli>;

const children = new Set<RunningCli>();

/** Starts a CLI child that `killChildren()` ends if the test leaves it running. */
export function startTracked(args: string[], env: NodeJS.ProcessEnv): RunningCli {
  const cli = startCli(args, { env });
  children.add(cli);
  void cli.done.then(() => children.delete(cli));
  return cli;
}

/** SIGKILLs the children a test left running, and waits for them. */
export async function killChildren(): Promise<void> {
  const running = [...children];
  for (const cli of running) cli.child.kill('SIGKILL');
  await Promise.all(running.map((cli) => cli.done));
}

/**
 * Polls `check` every 20 ms until it is true; fails after `limitMs`, a hang guard and not a timing
 * claim: by default 120 s, as long as a loaded machine may take to start a CLI process and have it
 * answer, and within the 300 s of a fleet CLI test.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
