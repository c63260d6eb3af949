/**
 * Row 5: how far the seed's `chars x 0.25` token estimate is from the exact o200k_base count, on
 * English prose, TypeScript code, Japanese, Russian and Arabic (texts in bench/fixtures/, written for
 * this benchmark). Each text is split into its blank-line-separated blocks (paragraphs, or groups of
 * declarations for code); the signed error of each block is (estimate - exact) / exact, and the row
 * reports their mean, their range, and the error over the whole file.
 * Run alone: node --import tsx bench/token-error.ts
 */
import { readFile } from 'node:fs/promises';
import { estimateTokens as exactTokens } from '../src/prompt/tokens.js';
import { num, type BenchRow } from './bench-table.js';
import { estimateTokens as seedEstimate } from './seed-design/seed-prompt.js';

/** The kinds of text measured and their fixture files. */
export const TOKEN_ERROR_TEXTS = [
  { kind: 'English prose', file: 'english-prose.txt' },
  { kind: 'TypeScript code', file: 'typescript-code.txt' },
  { kind: 'Japanese', file: 'japanese.txt' },
  { kind: 'Russian', file: 'russian.txt' },
  { kind: 'Arabic', file: 'arabic.txt' },
] as const;

/** The error of one kind of text. */
export interface TokenErrorFigures {
  kind: string;
  blocks: number;
  characters: number;
  exactTokens: number;
  estimatedTokens: number;
  /** Mean over blocks of (estimate - exact) / exact, in %. */
  meanSignedErrorPercent: number;
  minErrorPercent: number;
  maxErrorPercent: number;
  /** (estimate - exact) / exact over the whole file, in %. */
  wholeFileErrorPercent: number;
}

const percentError = (estimate: number, exact: number): number => ((estimate - exact) / exact) * 100;

/** Measures row 5 (synchronous work; reads five small files). */
export async function measureTokenError(): Promise<TokenErrorFigures[]> {
  const figures: TokenErrorFigures[] = [];
  for (const { kind, file } of TOKEN_ERROR_TEXTS) {
    const text = await readFile(new URL(`./fixtures/${file}`, import.meta.url), 'utf8');
    const blocks = text
      .split(/\n\s*\n/)
      .map((b) => b.trim())
      .filter((b) => b !== '');
    const errors = blocks.map((block) => percentError(seedEstimate(block), exactTokens(block, 'o200k_base')));
    const exact = exactTokens(text, 'o200k_base');
    const estimated = seedEstimate(text);
    figures.push({
      kind,
      blocks: blocks.length,
      characters: text.length,
      exactTokens: exact,
      estimatedTokens: estimated,
      meanSignedErrorPercent: errors.reduce((a, b) => a + b, 0) / errors.length,
      minErrorPercent: Math.min(...errors),
      maxErrorPercent: Math.max(...errors),
      wholeFileErrorPercent: percentError(estimated, exact),
    });
  }
  return figures;
}

const signed = (value: number): string => `${value >= 0 ? '+' : ''}${num(value, 1)} %`;

/** The table rows of row 5: one per kind of text. */
export function tokenErrorRows(figures: readonly TokenErrorFigures[]): BenchRow[] {
  return figures.map((f) => ({
    row: `token count error of the seed's chars x 0.25: ${f.kind} (${f.blocks} blocks, ${num(f.characters)} chars)`,
    ours: `exact o200k: ${num(f.exactTokens)} tokens`,
    peer: `heuristic: ${num(f.estimatedTokens)} tokens; mean signed error ${signed(f.meanSignedErrorPercent)} (blocks ${signed(f.minErrorPercent)} .. ${signed(f.maxErrorPercent)})`,
    ratio: signed(f.wholeFileErrorPercent),
    goal: 'report',
    met: '-',
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await measureTokenError());
}
