import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BENCH_END, BENCH_START, benchSection, withBenchSection } from '../bench/readme-table.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('the README benchmark table', () => {
  it('is the one in bench/results.md, with the machine and commit that measured it', () => {
    const readme = read('README.md');
    const results = read('bench/results.md');
    const section = benchSection(results);
    expect(section).toMatch(/^Machine: .+\.$/m);
    expect(section).toMatch(/^Commit: .+\.$/m);
    expect(section).toMatch(/^Run: `npm run bench`, /m);
    expect(results).not.toContain('--quick');
    expect(withBenchSection(readme, section)).toBe(readme);
    expect(readme.indexOf(BENCH_START)).toBeLessThan(readme.indexOf(BENCH_END));
  });

  it('replaces only the block between the markers', () => {
    const readme = `intro\n${BENCH_START}\n\nold\n\n${BENCH_END}\noutro\n`;
    expect(withBenchSection(readme, 'new')).toBe(`intro\n${BENCH_START}\n\nnew\n\n${BENCH_END}\noutro\n`);
    expect(() => withBenchSection('no markers', 'new')).toThrow(/markers/);
    expect(() => benchSection('no table')).toThrow(/npm run bench/);
  });
});
