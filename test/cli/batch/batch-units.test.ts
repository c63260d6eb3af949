import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { derivedKey, readBatchJobs } from '../../../src/cli/batch/batch-jobs.js';
import { BatchJournal } from '../../../src/cli/batch/batch-journal.js';
import { createBatchProgress } from '../../../src/cli/batch/batch-progress.js';
import { UsageError } from '../../../src/cli/cli-error.js';
import { tempDir } from '../../injector-kit.js';

function jobsFile(text: string): string {
  const path = join(tempDir(), 'jobs.jsonl');
  writeFileSync(path, text);
  return path;
}

describe('batch jobs file', () => {
  it('derives the same UUID-shaped key for the same job on every read, distinct for repeats', async () => {
    const line = '{"template": "t.yaml", "variables": {"a": "1"}}';
    const path = jobsFile(`${line}\n# a comment\n\n${line}\n{"id": "x", "template": "t.yaml"}\n`);
    const first = await readBatchJobs(path);
    const again = await readBatchJobs(path);
    expect(first.map((j) => j.key)).toEqual(again.map((j) => j.key));
    expect(first.map((j) => j.line)).toEqual([1, 4, 5]);
    expect(new Set(first.map((j) => j.key)).size).toBe(3);
    for (const job of first)
      expect(job.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first[2]!.key).toBe(derivedKey('id:x'));
    expect(first[0]!.templatePath).toBe(join(path, '..', 't.yaml'));
  });

  it('names the file, line and field of a bad job', async () => {
    const path = jobsFile('{"template": "t.yaml"}\n{"template": "t.yaml", "variables": {"a": 1}}\n');
    const error = await readBatchJobs(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('jobs.jsonl: line 2: variables.a');
    const notJson = await readBatchJobs(jobsFile('{oops\n')).catch((e: unknown) => e);
    expect((notJson as Error).message).toContain('line 1: is not valid JSON');
  });
});

describe('batch journal', () => {
  it('skips succeeded keys, retries failed ones, and cuts a torn last line', async () => {
    const path = join(tempDir(), 'out.jsonl');
    const journal = await BatchJournal.open(path);
    await journal.append({ key: 'k1', line: 1, status: 'ok' });
    await journal.append({
      key: 'k2',
      line: 2,
      status: 'failed',
      error: { name: 'E', code: 'c', message: 'm' },
    });
    await journal.close();
    appendFileSync(path, '{"key":"k3","line":3,"sta'); // a crash mid-write
    const reopened = await BatchJournal.open(path);
    expect(reopened.succeeded('k1')).toBe(true);
    expect(reopened.succeeded('k2')).toBe(false);
    expect(reopened.succeeded('k3')).toBe(false);
    await reopened.append({ key: 'k3', line: 3, status: 'ok' });
    await reopened.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { key: string }).key)).toEqual(['k1', 'k2', 'k3']);
  });
});

describe('batch progress', () => {
  const capture = (isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } => {
    const pass = new PassThrough();
    let text = '';
    pass.on('data', (d: Buffer) => (text += d.toString()));
    const stream = Object.assign(pass, {
      isTTY,
      columns: 100,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
    return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
  };

  it('prints plain lines with done, failed, rate and ETA when not on a terminal', async () => {
    const { stream, text } = capture(false);
    const progress = createBatchProgress(stream, 10, 2, { intervalMs: 20 });
    progress.tick(false);
    progress.tick(true);
    await new Promise((r) => setTimeout(r, 50));
    progress.stop();
    expect(text()).toMatch(/batch: 4\/10 done \(1 failed\), \d+\.\d\/s, ETA \d+ s\n$/);
  });

  it('draws a bar with rate, ETA and failures on a terminal', () => {
    const { stream, text } = capture(true);
    const progress = createBatchProgress(stream, 4, 0);
    progress.tick(false);
    progress.tick(true);
    progress.stop();
    expect(text()).toContain('batch ');
    expect(text()).toMatch(/2\/4 \| [\d.]+\/s \| ETA \S+ \| failed 1/);
  });
});
