/**
 * Makes docs/report-example.png, the README's picture of `genesys-prompt report --html`: a batch of
 * 80 jobs against the emulator with seeded faults (429s, 5xx, latency; a few jobs the assistant
 * fails), its report page, and a screenshot of that page in Debian's headless chromium.
 * Run: npm run docs:report-example
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runCli } from '../src/cli/run-cli.js';
import { FAILURE_TRIGGER, startEmulator } from '../src/emulator/index.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'report-example-'));
for (const name of [
  'refund-policy.yaml',
  'refund-examples.yaml',
  'order-status.json',
  'support-examples.json',
]) {
  copyFileSync(join(root, 'examples', name), join(dir, name));
}
const products = ['subscription', 'hardware', 'gift card', 'software licence', 'warranty', 'bundle'];
const jobs = Array.from({ length: 80 }, (_, i) =>
  i % 3 === 2
    ? {
        id: `order-${1000 + i}`,
        template: 'order-status.json',
        variables: { orderId: `A-${1000 + i}`, customerName: 'Dana' },
      }
    : {
        id: `refund-${i}`,
        template: 'refund-policy.yaml',
        variables: { productType: i % 17 === 5 ? FAILURE_TRIGGER : products[i % products.length]! },
      },
);
writeFileSync(join(dir, 'jobs.jsonl'), jobs.map((job) => JSON.stringify(job)).join('\n') + '\n');

const emulator = await startEmulator({
  rateLimit: false,
  chunkIntervalMs: 15,
  faults: { seed: 7, rate429: 0.12, rate5xx: 0.05, latencyMs: 40 },
});
const env = {
  GENESYS_ENVIRONMENT: emulator.baseUrl,
  GENESYS_CLIENT_ID: emulator.clientId,
  GENESYS_CLIENT_SECRET: emulator.clientSecret,
};
Object.assign(process.env, env);
// Relative names, so the page's heading shows `results.jsonl` rather than a temporary folder.
process.chdir(dir);
const results = 'results.jsonl';
const page = join(dir, 'report.html');
try {
  await runCli([
    'node',
    'genesys-prompt',
    'batch',
    join(dir, 'jobs.jsonl'),
    '--out',
    results,
    '--no-audit',
    '--concurrency',
    '6',
    '--max-retries',
    '1',
  ]);
  await runCli(['node', 'genesys-prompt', 'report', results, '--html', page]);
} finally {
  await emulator.close();
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const tab = await browser.newPage({ viewport: { width: 860, height: 1000 }, deviceScaleFactor: 1 });
  await tab.goto(`file://${page}`);
  await tab.screenshot({ path: join(root, 'docs', 'report-example.png'), fullPage: true });
} finally {
  await browser.close();
}
process.stderr.write(`docs/report-example.png written from ${page}\n`);
