import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/cli/batch/batch-journal.js';
import { buildBatchReport, percentiles } from '../../src/cli/report/batch-report.js';
import { tempDir } from '../injector-kit.js';
import { runCliProcess } from './cli-kit.js';

/** The little of the browser's DOM the page check uses (the tests compile without the DOM library). */
interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
interface DomElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  querySelectorAll(selector: string): Iterable<DomElement>;
}

/** Debian's chromium, installed by .ci/run when missing. */
const CHROMIUM = '/usr/bin/chromium';

/** A results file of `n` jobs: every 7th fails (two codes), latencies spread, some retries. */
function syntheticResults(n: number): { text: string; records: BatchRecord[] } {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const records: BatchRecord[] = Array.from({ length: n }, (_, i) => {
    const base = {
      key: `key-${i}`,
      line: i + 1,
      id: `job-${i}`,
      startedAt: new Date(t0 + i * 50).toISOString(),
      durationMs: 100 + ((i * 37) % 400),
      retries: i % 5 === 0 ? 1 : 0,
    };
    if (i % 7 === 3) {
      const code = i % 2 === 0 ? 'too.many.requests.retry.after' : 'stream.failed';
      return { ...base, status: 'failed', error: { name: 'E', code, message: 'failed' } };
    }
    return {
      ...base,
      status: 'ok',
      conversationId: `c-${i}`,
      firstChunkMs: 40 + (i % 20),
      finishReason: 'stop',
      truncated: false,
      usage: { promptTokens: 100 + i, completionTokens: 50 + (i % 30) },
    };
  });
  const header = { run: { id: 'run-1', createdAt: new Date(t0).toISOString() } };
  return { text: [header, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n', records };
}

describe('batch report figures', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(percentiles([])).toBeUndefined();
  });

  it('counts each job once (its latest record), groups failures by code with their jobs, sums tokens and retries', () => {
    const { records } = syntheticResults(30);
    // job-3 failed, then succeeded on a rerun: only the later record counts.
    const rerun: BatchRecord = {
      ...records[3]!,
      status: 'ok',
      usage: { promptTokens: 1, completionTokens: 2 },
      error: undefined,
    };
    const { report } = buildBatchReport({
      header: { run: { id: 'r', createdAt: 'now' } },
      records: [...records, rerun],
      unreadableLines: 1,
    });
    expect(report.jobs).toBe(30);
    expect(report.superseded).toBe(1);
    const failedIds = records.filter((r) => r.status === 'failed' && r.id !== 'job-3').map((r) => r.id);
    expect(report.failed).toBe(failedIds.length);
    expect(report.failures.flatMap((f) => f.jobs).sort()).toEqual([...failedIds].sort());
    expect(report.failures.map((f) => f.code).sort()).toEqual([
      'stream.failed',
      'too.many.requests.retry.after',
    ]);
    const okRecords = [...records.filter((r) => r.status === 'ok'), rerun];
    expect(report.tokens.prompt).toBe(okRecords.reduce((s, r) => s + r.usage!.promptTokens, 0));
    expect(report.retries.total).toBe(records.filter((r) => r.retries === 1).length);
    expect(report.latencyMs!.count).toBe(30);
    expect(report.unreadableLines).toBe(1);
  });
});

describe('genesys-prompt report', () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  it('prints outcomes, error codes, latency percentiles, tokens and retries; --json has the same figures', async () => {
    const dir = tempDir();
    const file = join(dir, 'results.jsonl');
    writeFileSync(file, syntheticResults(30).text);
    const text = await runCliProcess(['report', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/jobs: +30 — 26 ok \(stop 26\), 4 failed/);
    expect(text.stdout).toMatch(/too\.many\.requests\.retry\.after: 2 — job-\d+, job-\d+/);
    expect(text.stdout).toMatch(/latency: +p50 \d+ ms · p95 \d+ ms · p99 \d+ ms/);
    expect(text.stdout).toMatch(/tokens: +[\d,]+ in, [\d,]+ out/);
    expect(text.stdout).toMatch(/retries: +6 in 6 jobs/);
    const json = await runCliProcess(['report', file, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ jobs: 30, ok: 26, failed: 4, retries: { total: 6 } });
  }, 60_000);

  it('writes a self-contained page whose charts draw in headless Chromium, with no network and escaped text', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    const dir = tempDir();
    const file = join(dir, 'results.jsonl');
    const { text } = syntheticResults(60);
    // A job id that would be markup if it were not escaped.
    writeFileSync(file, text.replace('"id":"job-3"', '"id":"<img src=x onerror=alert(1)>"'));
    const page = join(dir, 'report.html');
    const run = await runCliProcess(['report', file, '--html', page]);
    expect(run.code).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const tab = await browser.newPage();
    const requests: string[] = [];
    tab.on('request', (request) => requests.push(request.url()));
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`file://${page}`);
    expect(requests).toEqual([`file://${page}`]);
    expect(errors).toEqual([]);
    expect(await tab.locator('img').count()).toBe(0);

    const drawn = await tab.evaluate(() =>
      [
        ...(globalThis as unknown as { document: DomElement }).document.querySelectorAll('svg[data-chart]'),
      ].map((svg) => {
        const box = svg.getBoundingClientRect();
        const bars = [...svg.querySelectorAll('rect.bar')].map((bar) => bar.getBoundingClientRect());
        return {
          chart: svg.getAttribute('data-chart'),
          width: box.width,
          height: box.height,
          bars: bars.length,
          visibleBars: bars.filter(
            (b) =>
              b.width > 0 &&
              b.height > 0 &&
              b.left >= box.left - 1 &&
              b.right <= box.right + 1 &&
              b.top >= box.top - 1 &&
              b.bottom <= box.bottom + 1,
          ).length,
        };
      }),
    );
    const byChart = new Map(drawn.map((d) => [d.chart, d]));
    expect([...byChart.keys()]).toEqual(['latency', 'timeline', 'tokens', 'failures']);
    for (const chart of drawn) {
      expect(chart.width, chart.chart!).toBeGreaterThan(300);
      expect(chart.height, chart.chart!).toBeGreaterThan(50);
      expect(chart.visibleBars, chart.chart!).toBe(chart.bars);
    }
    expect(byChart.get('latency')!.bars).toBeGreaterThanOrEqual(5);
    expect(byChart.get('timeline')!.bars).toBe(60);
    expect(byChart.get('tokens')!.bars).toBe(2 * 51); // in and out for each successful job
    expect(byChart.get('failures')!.bars).toBe(2); // one bar per error code
    // The failures table lists the jobs of each code, the hostile id as text.
    const table = await tab.locator('table').innerText();
    expect(table).toContain('<img src=x onerror=alert(1)>');
    expect(table).toContain('stream.failed');
  }, 120_000);
});
