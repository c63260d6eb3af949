import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBatchJobs, type BatchJob } from '../../../src/cli/batch/batch-jobs.js';
import { BatchJournal, parseBatchResults } from '../../../src/cli/batch/batch-journal.js';
import { derivedKey, jobKeys, requestHash } from '../../../src/cli/batch/job-key.js';
import { createBatchProgress } from '../../../src/cli/batch/batch-progress.js';
import { UsageError } from '../../../src/cli/cli-error.js';
import { tempDir } from '../../injector-kit.js';

function jobsFile(text: string): string {
  const path = join(tempDir(), 'jobs.jsonl');
  writeFileSync(path, text);
  return path;
}

describe('batch jobs file', () => {
  it('reads each job with its line, skipping blanks and comments; paths relative to the jobs file', async () => {
    const line = '{"template": "t.yaml", "variables": {"a": "1"}}';
    const path = jobsFile(`${line}\n# a comment\n\n${line}\n{"id": "x", "template": "t.yaml"}\n`);
    const jobs = await readBatchJobs(path);
    expect(jobs.map((j) => [j.line, j.id])).toEqual([
      [1, undefined],
      [4, undefined],
      [5, 'x'],
    ]);
    expect(jobs[0]!.templatePath).toBe(join(path, '..', 't.yaml'));
    expect(jobs[0]!.variables).toEqual({ a: '1' });
  });

  it('names the file, line and field of a bad job', async () => {
    const path = jobsFile('{"template": "t.yaml"}\n{"template": "t.yaml", "variables": {"a": 1}}\n');
    const error = await readBatchJobs(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('jobs.jsonl: line 2: variables.a');
    const notJson = await readBatchJobs(jobsFile('{oops\n')).catch((e: unknown) => e);
    expect((notJson as Error).message).toContain('line 1: is not valid JSON');
  });

  it('rejects two jobs with one id, naming both lines', async () => {
    const path = jobsFile(
      '{"id": "a", "template": "t.yaml"}\n{"id": "b", "template": "t.yaml"}\n\n{"id": "a", "template": "u.yaml"}\n',
    );
    const error = await readBatchJobs(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('duplicate.job.id');
    expect((error as Error).message).toContain('jobs.jsonl: line 4: id: "a" is also the id of line 1');
  });
});

describe('job keys', () => {
  const job = (line: number, id?: string): BatchJob => ({
    line,
    id,
    templatePath: '/t.yaml',
    examplesPath: undefined,
    variables: {},
    assistantId: 'a',
  });
  const shape = (variables: Record<string, string>): string =>
    requestHash({
      template: 'h',
      examples: null,
      variables,
      assistantId: 'a',
      options: { tokenizer: 'o200k_base' },
    });

  it('are UUID-shaped and stable for the same run, job and request', () => {
    const jobs = [job(1, 'x'), job(2)];
    const hashes = [shape({ a: '1' }), shape({ a: '2' })];
    const keys = jobKeys('run-1', jobs, hashes);
    expect(jobKeys('run-1', jobs, hashes)).toEqual(keys);
    for (const key of keys)
      expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedKey('x')).toBe(derivedKey('x'));
  });

  it('change with the run, the id and anything that shapes the request', () => {
    const base = jobKeys('run-1', [job(1, 'x')], [shape({ a: '1' })])[0];
    expect(jobKeys('run-2', [job(1, 'x')], [shape({ a: '1' })])[0]).not.toBe(base);
    expect(jobKeys('run-1', [job(1, 'y')], [shape({ a: '1' })])[0]).not.toBe(base);
    expect(jobKeys('run-1', [job(1, 'x')], [shape({ a: '2' })])[0]).not.toBe(base);
    const otherTemplate = requestHash({
      template: 'h2',
      examples: null,
      variables: { a: '1' },
      assistantId: 'a',
      options: { tokenizer: 'o200k_base' },
    });
    expect(jobKeys('run-1', [job(1, 'x')], [otherTemplate])[0]).not.toBe(base);
    // A moved line keeps the key of a job with an id.
    expect(jobKeys('run-1', [job(7, 'x')], [shape({ a: '1' })])[0]).toBe(base);
  });

  it('tell identical jobs without ids apart by occurrence, so a line inserted elsewhere moves no key', () => {
    const same = shape({ a: '1' });
    const other = shape({ a: '2' });
    const keys = jobKeys('r', [job(1), job(2)], [same, same]);
    expect(new Set(keys).size).toBe(2);
    const shifted = jobKeys('r', [job(1), job(2), job(3)], [other, same, same]);
    expect(shifted.slice(1)).toEqual(keys);
  });
});

describe('batch journal', () => {
  it('starts a new run with a header line, and keeps its run id when reopened', async () => {
    const path = join(tempDir(), 'out.jsonl');
    const journal = await BatchJournal.open(path);
    await journal.close();
    const header = JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!) as { run: { id: string } };
    expect(header.run.id).toBe(journal.runId);
    const again = await BatchJournal.open(path);
    expect(again.runId).toBe(journal.runId);
    await again.close();
    const other = await BatchJournal.open(join(tempDir(), 'out.jsonl'));
    expect(other.runId).not.toBe(journal.runId);
    await other.close();
  });

  it('refuses a file with lines but no run header', async () => {
    const path = join(tempDir(), 'out.jsonl');
    writeFileSync(path, '{"key":"k1","line":1,"status":"ok"}\n');
    const error = await BatchJournal.open(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('no run header');
  });

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
    const { header, records } = parseBatchResults(readFileSync(path, 'utf8'));
    expect(header?.run.id).toBe(journal.runId);
    expect(records.map((r) => r.key)).toEqual(['k1', 'k2', 'k3']);
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
