import { Queue } from 'bullmq';
import pg from 'pg';
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
const DATABASE = process.env.AUDIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];

/** A PostgreSQL schema of this test's own for the audit chain, dropped afterwards. */
function auditSchema(): string {
  const schema = `fleet_test_${process.pid}_${Date.now().toString(36)}_${schemas.length}`;
  schemas.push(schema);
  return schema;
}

afterEach(async () => {
  await killChildren();
  await emulator?.close();
  emulator = undefined;
  await obliterateQueues();
  if (schemas.length > 0) {
    const admin = new pg.Client({ connectionString: DATABASE });
    await admin.connect();
    for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
});

async function emulatorWith(options: EmulatorOptions = {}): Promise<NodeJS.ProcessEnv> {
  emulator = await startEmulator({ rateLimit: false, firstChunkDelayMs: 5, chunkIntervalMs: 1, ...options });
  return emulatorEnv(emulator);
}

/**
 * Flags of a worker on `queue`. The lock is BullMQ's default unless a test shortens it: a lock shorter
 * than the machine's longest stall hands a live worker's job to another (at-least-once: the key keeps
 * the conversation single, but the job runs twice).
 */
const workerArgs = (queue: string, extra: string[] = []): string[] => [
  'worker',
  '--queue',
  REDIS_URL,
  '--queue-name',
  queue,
  ...(extra.includes('--audit') ? [] : ['--no-audit']),
  ...extra,
];

describe('batch --queue and worker', { timeout: 300_000 }, () => {
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

    // Both workers append to one audit chain in PostgreSQL, as workers on several hosts would.
    const audit = `${DATABASE}?schema=${auditSchema()}`;
    const auditArgs = ['--audit', audit];
    const workers = [
      startTracked(workerArgs(queue, ['--concurrency', '2', ...auditArgs]), env),
      startTracked(workerArgs(queue, auditArgs), env),
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
    // One worker may have run every job while the other was still starting: Ctrl-C only once each
    // says it is taking jobs (its Ctrl-C handler is installed by then).
    await until(
      () => workers.every((worker) => worker.stderr().includes('worker: taking jobs')),
      'both workers to take jobs',
    );
    for (const worker of workers) worker.child.kill('SIGINT');
    const exits = await Promise.all(workers.map((w) => w.done));
    expect(exits.map((e) => e.code)).toEqual([130, 130]);
    expect(exits[0]!.stderr).toMatch(/worker: stopped after \d+ jobs \(0 failed\)/);
    const verified = await runCliProcess(['audit', 'verify', audit], { env });
    expect(verified.stdout).toMatch(/^OK: 6 entries/); // one per job: no job ran twice
  });

  it('a worker killed mid-job: another finishes it with the same key, and no conversation is created twice', async () => {
    // Answers take 1.5 s to start, so the first worker is surely mid-job when it is killed.
    const env = await emulatorWith({ firstChunkDelayMs: 1500 });
    const { jobs, out } = refundJobs(1);
    const queue = testQueueName();
    const enqueue = ['batch', jobs, '--queue', REDIS_URL, '--queue-name', queue, '--out', out, '--no-audit'];
    expect((await runCliProcess(enqueue, { env })).code).toBe(0);
    // A short lock, so the dead worker's job moves on within seconds.
    const shortLock = ['--lock-duration', '2000'];
    const doomed = startTracked(workerArgs(queue, shortLock), env);
    await until(
      () => emulator!.stats().conversationsCreated === 1,
      'the first worker to create the conversation',
    );
    doomed.child.kill('SIGKILL');
    await doomed.done;
    startTracked(workerArgs(queue, shortLock), env);
    const waited = await runCliProcess([...enqueue, '--wait', '--progress-interval', '100000'], { env });
    expect(waited.code).toBe(0);
    const [record] = resultLines(out);
    expect(record).toMatchObject({ id: 'job-1', status: 'ok' });
    const stats = emulator!.stats();
    expect(stats.conversationsCreated).toBe(1);
    expect(stats.idempotentReplays).toBeGreaterThanOrEqual(1); // the same key, answered with that conversation
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
