/**
 * Batch runs mean what they say: a job's key derives from the run (kept in the results file), the job
 * and everything that shapes its request. Resuming re-sends nothing finished and reuses keys; an edited
 * job is sent anew; a new results file is a new run; duplicate ids never start; the audit trail has one
 * entry per outcome, on the conversations the results file names.
 */
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseBatchResults, type BatchRecord } from '../../src/cli/batch/batch-journal.js';
import { FAILURE_TRIGGER, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { tempDir } from '../injector-kit.js';
import { ROOT, emulatorEnv, runCliProcess, startCli } from './cli-kit.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

interface AuditLine {
  conversationId: string;
  promptHash: string;
  complianceStatus: string;
}

const results = (path: string): { runId: string; records: BatchRecord[] } => {
  const parsed = parseBatchResults(readFileSync(path, 'utf8'));
  return { runId: parsed.header!.run.id, records: parsed.records };
};
const auditLines = (path: string): AuditLine[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine);
const byJob = (records: readonly BatchRecord[]): Map<string, BatchRecord> =>
  new Map(records.map((r) => [r.id ?? `line ${r.line}`, r]));

function writeJobs(path: string, lines: object[]): void {
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

describe('batch runs', () => {
  it('rejects duplicate ids before sending anything, naming both lines (exit 2)', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const dir = tempDir();
    copyFileSync(join(ROOT, 'examples', 'refund-policy.yaml'), join(dir, 'refund-policy.yaml'));
    const jobs = join(dir, 'jobs.jsonl');
    writeJobs(jobs, [
      { id: 'a', template: 'refund-policy.yaml', variables: { productType: 'x' } },
      { id: 'b', template: 'refund-policy.yaml', variables: { productType: 'y' } },
      { id: 'a', template: 'refund-policy.yaml', variables: { productType: 'z' } },
    ]);
    const run = await runCliProcess(['batch', jobs, '--no-audit'], { env: emulatorEnv(emulator) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('jobs.jsonl: line 3: id: "a" is also the id of line 1');
    expect(emulator.stats().requests).toBe(0);
  });

  it('resume re-sends nothing finished, an edited job is sent anew, a new results file is a new run; the audit trail matches', async () => {
    emulator = await startEmulator({ rateLimit: false });
    const env = emulatorEnv(emulator);
    const dir = tempDir();
    for (const name of [
      'refund-policy.yaml',
      'refund-examples.yaml',
      'order-status.json',
      'support-examples.json',
    ]) {
      copyFileSync(join(ROOT, 'examples', name), join(dir, name));
    }
    copyFileSync(join(ROOT, 'examples', 'refund-policy.yaml'), join(dir, 'other.yaml'));
    const jobs = join(dir, 'jobs.jsonl');
    const lines = [
      { id: 'a', template: 'refund-policy.yaml', variables: { productType: 'subscription' } },
      { id: 'b', template: 'order-status.json', variables: { orderId: 'A-1', customerName: 'Dana' } },
      { id: 'c', template: 'other.yaml', variables: { productType: 'hardware' } },
      { template: 'refund-policy.yaml', variables: { productType: 'gift card' } },
      { id: 'f', template: 'refund-policy.yaml', variables: { productType: FAILURE_TRIGGER } },
    ];
    writeJobs(jobs, lines);
    const out = join(dir, 'out.jsonl');
    const audit = join(dir, 'audit.jsonl');
    const batch = (resultsFile: string): Promise<{ code: number | null; stderr: string }> =>
      runCliProcess(['batch', jobs, '--out', resultsFile, '--audit', audit], { env });

    // 1. First run: four succeed, the failing one fails (a stream failure, exit 5).
    const first = await batch(out);
    expect(first.code).toBe(5);
    expect(first.stderr).toContain('batch: 5 jobs: 4 done, 1 failed, 0 not run');
    const run1 = results(out);
    expect(run1.records).toHaveLength(5);
    const keys1 = byJob(run1.records);
    expect(emulator.stats().conversationsCreated).toBe(5);

    // 2. Resume with the same results file: nothing finished is sent; the failed job goes again
    //    with its own key, which the server answers with the same conversation.
    const replaysBefore = emulator.stats().idempotentReplays;
    const second = await batch(out);
    expect(second.code).toBe(5);
    expect(second.stderr).toContain('batch: 5 jobs: 4 done (4 in an earlier run), 1 failed, 0 not run');
    const run2 = results(out);
    expect(run2.runId).toBe(run1.runId);
    expect(run2.records).toHaveLength(6);
    const retried = run2.records[5]!;
    expect(retried.id).toBe('f');
    expect(retried.key).toBe(keys1.get('f')!.key);
    expect(retried.conversationId).toBe(keys1.get('f')!.conversationId);
    expect(emulator.stats().conversationsCreated).toBe(5);
    expect(emulator.stats().idempotentReplays).toBe(replaysBefore + 1);

    // 3. Edit job b's variables and the bytes of c's template: both are sent anew, with new keys;
    //    the others are not sent.
    lines[1] = {
      id: 'b',
      template: 'order-status.json',
      variables: { orderId: 'A-2', customerName: 'Dana' },
    };
    writeJobs(jobs, lines);
    appendFileSync(join(dir, 'other.yaml'), '# edited\n');
    const third = await batch(out);
    expect(third.stderr).toContain('batch: 5 jobs: 4 done (2 in an earlier run), 1 failed, 0 not run');
    const run3 = byJob(results(out).records);
    for (const id of ['b', 'c']) {
      expect(run3.get(id)!.status).toBe('ok');
      expect(run3.get(id)!.key).not.toBe(keys1.get(id)!.key);
      expect(run3.get(id)!.conversationId).not.toBe(keys1.get(id)!.conversationId);
    }
    for (const id of ['a', 'line 4']) expect(run3.get(id)!.key).toBe(keys1.get(id)!.key);
    expect(emulator.stats().conversationsCreated).toBe(7);

    // 4. A new results file is a new run: every job gets a new key and a new conversation.
    const fresh = join(dir, 'fresh.jsonl');
    const fourth = await batch(fresh);
    expect(fourth.stderr).toContain('batch: 5 jobs: 4 done, 1 failed, 0 not run');
    const run4 = results(fresh);
    expect(run4.runId).not.toBe(run1.runId);
    const allKeysBefore = new Set(results(out).records.map((r) => r.key));
    for (const record of run4.records) expect(allKeysBefore.has(record.key)).toBe(false);
    expect(emulator.stats().conversationsCreated).toBe(12);

    // The audit trail: one entry per outcome, on exactly the conversations the results name,
    // successes AUDITED and failures FAILED; the edited job's prompt is credited to its new conversation.
    expect(await verifyAuditLog(audit)).toMatchObject({ ok: true });
    const entries = auditLines(audit);
    const allRecords = [...results(out).records, ...run4.records];
    expect(entries).toHaveLength(allRecords.length);
    const outcome = (r: BatchRecord): string =>
      `${r.conversationId} ${r.status === 'ok' ? 'AUDITED' : 'FAILED'}`;
    expect(entries.map((e) => `${e.conversationId} ${e.complianceStatus}`).sort()).toEqual(
      allRecords.map(outcome).sort(),
    );
    const editedB = entries.filter((e) => e.conversationId === run3.get('b')!.conversationId);
    const originalB = entries.filter((e) => e.conversationId === keys1.get('b')!.conversationId);
    expect(editedB).toHaveLength(1);
    expect(originalB).toHaveLength(1);
    expect(editedB[0]!.promptHash).not.toBe(originalB[0]!.promptHash);
  }, 240_000);

  it('an interrupted batch reports done, failed and not run', async () => {
    emulator = await startEmulator({ rateLimit: false, chunkIntervalMs: 30 });
    const dir = tempDir();
    for (const name of ['refund-policy.yaml', 'refund-examples.yaml'])
      copyFileSync(join(ROOT, 'examples', name), join(dir, name));
    const jobs = join(dir, 'jobs.jsonl');
    const total = 40;
    writeJobs(
      jobs,
      Array.from({ length: total }, (_, i) => ({
        template: 'refund-policy.yaml',
        variables: { productType: `item ${i}` },
      })),
    );
    const out = join(dir, 'out.jsonl');
    const cli = startCli(['batch', jobs, '--out', out, '--no-audit', '--concurrency', '2', '--json'], {
      env: emulatorEnv(emulator),
    });
    let exited = false;
    void cli.done.then(() => (exited = true));
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      expect(exited, cli.stderr()).toBe(false);
      let done = 0;
      try {
        done = parseBatchResults(readFileSync(out, 'utf8')).records.length;
      } catch {
        // not created yet
      }
      if (done >= 2) break;
    }
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    const summary = JSON.parse(run.stdout) as {
      jobs: number;
      done: number;
      failed: number;
      notRun: number;
      interrupted: boolean;
      exitCode: number;
    };
    expect(summary).toMatchObject({ jobs: total, failed: 0, interrupted: true, exitCode: 130 });
    expect(summary.done).toBe(parseBatchResults(readFileSync(out, 'utf8')).records.length);
    expect(summary.notRun).toBe(total - summary.done);
    expect(summary.notRun).toBeGreaterThan(0);
  }, 120_000);
});
