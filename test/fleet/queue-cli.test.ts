import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { emulatorEnv, runCliProcess } from '../cli/cli-kit.js';
import { REDIS_URL } from './redis-kit.js';
import {
  killChildren,
  obliterateQueues,
  refundJobs,
  resultLines,
  startTracked,
  testQueueName,
  until,
} from './queue-kit.js';

let emulator: Emulator | undefined;

afterEach(async () => {
  await killChildren();
  await emulator?.close();
  emulator = undefined;
  await obliterateQueues();
});

async function emulatorWith(options: EmulatorOptions = {}): Promise<NodeJS.ProcessEnv> {
  emulator = await startEmulator({ rateLimit: false, firstChunkDelayMs: 5, chunkIntervalMs: 1, ...options });
  return emulatorEnv(emulator);
}

/** Flags of a worker on `queue` with a short lock, so a dead worker's job moves on quickly. */
const workerArgs = (queue: string, extra: string[] = []): string[] => [
  'worker',
  '--queue',
  REDIS_URL,
  '--queue-name',
  queue,
  '--no-audit',
  '--lock-duration',
  '1000',
  ...extra,
];

describe('batch --queue and worker', { timeout: 90_000 }, () => {
  it('enqueues a run once, runs it on two workers and writes the results with --wait', async () => {
    const env = await emulatorWith();
    const { jobs, out } = refundJobs(6);
    const queue = testQueueName();
    const enqueue = ['batch', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out, '--no-audit'];
    const first = await runCliProcess(enqueue, { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('6 jobs enqueued, 0 already queued');
    const again = await runCliProcess(enqueue, { env });
    expect(again.stderr).toContain('0 jobs enqueued, 6 already queued');

    const before = await runCliProcess(
      ['batch', 'status', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out],
      { env },
    );
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('6 jobs — 0 succeeded, 0 failed, 0 running, 6 waiting');

    const workers = [
      startTracked(workerArgs(queue, ['--concurrency', '2']), env),
      startTracked(workerArgs(queue), env),
    ];
    const waited = await runCliProcess([...enqueue, '--wait', '--progress-interval', '100000'], { env });
    expect(waited.code).toBe(0);
    expect(waited.stderr).toContain('batch: 6/6 done (0 failed)');
    const records = resultLines(out);
    expect(records.map((r) => r.id).sort()).toEqual(['job-1', 'job-2', 'job-3', 'job-4', 'job-5', 'job-6']);
    expect(records.every((r) => r.status === 'ok' && r.conversationId)).toBe(true);
    expect(emulator!.stats().conversationsCreated).toBe(6);

    const after = await runCliProcess(
      ['batch', 'status', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out],
      { env },
    );
    expect(after.stdout).toContain('6 jobs — 6 succeeded, 0 failed');
    for (const worker of workers) worker.child.kill('SIGINT');
    const exits = await Promise.all(workers.map((w) => w.done));
    expect(exits.map((e) => e.code)).toEqual([130, 130]);
    expect(exits[0]!.stderr).toMatch(/worker: stopped after \d+ jobs \(0 failed\)/);
  });

  it('a worker killed mid-job: another finishes it with the same key, and no conversation is created twice', async () => {
    // Answers take 1.5 s to start, so the first worker is surely mid-job when it is killed.
    const env = await emulatorWith({ firstChunkDelayMs: 1500 });
    const { jobs, out } = refundJobs(1);
    const queue = testQueueName();
    const enqueue = ['batch', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out, '--no-audit'];
    expect((await runCliProcess(enqueue, { env })).code).toBe(0);
    const doomed = startTracked(workerArgs(queue), env);
    await until(
      () => emulator!.stats().conversationsCreated === 1,
      'the first worker to create the conversation',
    );
    doomed.child.kill('SIGKILL');
    await doomed.done;
    startTracked(workerArgs(queue), env);
    const waited = await runCliProcess([...enqueue, '--wait', '--progress-interval', '100000'], { env });
    expect(waited.code).toBe(0);
    const [record] = resultLines(out);
    expect(record).toMatchObject({ id: 'job-1', status: 'ok' });
    const stats = emulator!.stats();
    expect(stats.conversationsCreated).toBe(1);
    expect(stats.idempotentReplays).toBe(1);
  });

  it('Ctrl-C on a worker finishes the job in flight and leaves the rest queued', async () => {
    const env = await emulatorWith({ firstChunkDelayMs: 800 });
    const { jobs, out } = refundJobs(4);
    const queue = testQueueName();
    expect(
      (
        await runCliProcess(['batch', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out], {
          env,
        })
      ).code,
    ).toBe(0);
    const worker = startTracked(workerArgs(queue, ['--concurrency', '1']), env);
    await until(() => emulator!.stats().conversationsCreated === 1, 'the worker to start its first job');
    worker.child.kill('SIGINT');
    const exit = await worker.done;
    expect(exit.code).toBe(130);
    expect(exit.stderr).toContain('worker: stopped after 1 jobs (0 failed)');
    const status = await runCliProcess(
      ['batch', 'status', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out],
      { env },
    );
    expect(status.stdout).toContain('4 jobs — 1 succeeded, 0 failed, 0 running, 3 waiting');
    expect(emulator!.stats().conversationsCreated).toBe(1);
  });

  it('--wait reports jobs that vanished from the queue instead of waiting forever', async () => {
    const env = await emulatorWith();
    const { jobs, out } = refundJobs(2);
    const queue = testQueueName();
    const waiting = startTracked(
      ['batch', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out, '--wait'],
      env,
    );
    await until(() => waiting.stderr().includes('2 jobs enqueued'), 'the run to be enqueued');
    const bull = new Queue(queue, { connection: { url: REDIS_URL } });
    await bull.obliterate({ force: true });
    await bull.close();
    const exit = await waiting.done;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('2 jobs of the run are no longer in the queue');
    expect(exit.stderr).toContain('[queue.jobs.missing]');
  });
});
