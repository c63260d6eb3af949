/**
 * Tokenizer worst case: exact o200k counts of 1 MB (1,000,000 characters) of one character repeated
 * (one piece the pre-tokenizer cannot cut), of base64, of a long URL (slugs, ids and parameters), and
 * — the hardest case for the merge — of a URL whose query is one run of random lowercase letters,
 * each against 1 MB of English prose (`fixtures/english-prose.txt` repeated) counted in the same
 * rounds. Before timing, a 20,000-character version of each text is checked to count the same as
 * gpt-tokenizer (whose merge is quadratic, so the full megabyte would take it minutes). Times are CPU
 * time of the process (user + system), median of interleaved rounds (prose, case, prose, case, ...):
 * on a shared machine wall time mostly measures the neighbours.
 * Run alone: node --import tsx bench/tokenizer-worst-case.ts
 */
import { readFile } from 'node:fs/promises';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/o200k_base';
import { mulberry32 } from '../src/seeded-random.js';
import { estimateTokens } from '../src/prompt/tokens.js';
import { metCell, num, type BenchRow } from './bench-table.js';
import { median } from './run-pool.js';

/** Options of `measureTokenizerWorstCase`. */
export interface TokenizerWorstCaseOptions {
  /** Characters per text (default 1,000,000). */
  size?: number;
  /** Timed rounds per text (default 5). */
  rounds?: number;
}

/** One worst case against prose. */
export interface WorstCaseFigures {
  kind: string;
  /** Whether the 10x goal applies (the hardest case is reported only). */
  goal: boolean;
  characters: number;
  tokens: number;
  /** Median ms to count it. */
  ms: number;
  /** Median ms to count the prose in the same rounds. */
  proseMs: number;
  ratio: number;
  /** Whether a 20,000-character version counts the same as gpt-tokenizer. */
  equalToReference: boolean;
  /** gpt-tokenizer's time on that 20,000-character version, ms. */
  referenceMs: number;
}

/** The figures of the row. */
export interface TokenizerWorstCaseResult {
  proseTokens: number;
  cases: WorstCaseFigures[];
}

const PLAIN = { disallowedSpecial: new Set<string>() };
const CHECK_SIZE = 20_000;

/** `length` characters of seeded random lowercase letters. */
function letters(length: number, seed: number): string {
  const next = mulberry32(seed);
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(97 + (next() % 26));
  return text;
}

/** `length` characters of base64 of seeded random bytes. */
function base64(length: number, seed: number): string {
  const next = mulberry32(seed);
  const bytes = Buffer.alloc(Math.ceil((length * 3) / 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
  return bytes.toString('base64').slice(0, length);
}

/** A long URL of `length` characters: path slugs, hex ids and query parameters, seeded. */
function longUrl(length: number, seed: number): string {
  const next = mulberry32(seed);
  const word = (): string => letters(3 + (next() % 8), next());
  let url = 'https://shop.example.com/catalog';
  while (url.length < length) {
    const slug = Array.from({ length: 2 + (next() % 5) }, word).join('-');
    const id = (next() >>> 0).toString(16);
    url += `/${slug}/${id}?ref=${word()}&utm_source=${word()}&session=${base64(24, next()).replaceAll('+', '-')}`;
  }
  return url.slice(0, length);
}

/** The texts of one size. */
function worstCases(size: number): Array<{ kind: string; text: string; goal: boolean }> {
  const query = 'https://example.com/search?q=';
  return [
    { kind: 'one character repeated', text: 'a'.repeat(size), goal: true },
    { kind: 'base64', text: base64(size, 1), goal: true },
    { kind: 'a long URL (slugs, hex ids, parameters)', text: longUrl(size, 3), goal: true },
    {
      kind: 'a URL whose query is one run of random letters',
      text: query + letters(size - query.length, 2),
      goal: false,
    },
  ];
}

/** CPU milliseconds (user + system) `work` takes. */
function timed(work: () => unknown): number {
  const started = process.cpuUsage();
  work();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
}

/**
 * Measures the row.
 * @param options size and rounds
 */
export async function measureTokenizerWorstCase(
  options: TokenizerWorstCaseOptions = {},
): Promise<TokenizerWorstCaseResult> {
  const size = options.size ?? 1_000_000;
  const rounds = options.rounds ?? 5;
  const sample = await readFile(new URL('./fixtures/english-prose.txt', import.meta.url), 'utf8');
  const prose = sample.repeat(Math.ceil(size / sample.length)).slice(0, size);
  const proseTokens = estimateTokens(prose);

  const cases: WorstCaseFigures[] = [];
  for (const { kind, text, goal } of worstCases(size)) {
    const check = worstCases(CHECK_SIZE).find((c) => c.kind === kind)?.text ?? '';
    let reference = 0;
    const referenceMs = timed(() => (reference = referenceCount(check, PLAIN)));
    const equalToReference = estimateTokens(check) === reference;
    const tokens = estimateTokens(text); // also the warm-up
    estimateTokens(prose);
    const times: number[] = [];
    const proseTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      proseTimes.push(timed(() => estimateTokens(prose)));
      times.push(timed(() => estimateTokens(text)));
    }
    const ms = median(times);
    const proseMs = median(proseTimes);
    cases.push({
      kind,
      goal,
      characters: text.length,
      tokens,
      ms,
      proseMs,
      ratio: ms / proseMs,
      equalToReference,
      referenceMs,
    });
  }
  return { proseTokens, cases };
}

/** The table rows. */
export function tokenizerWorstCaseRows(result: TokenizerWorstCaseResult): BenchRow[] {
  return result.cases.map((c) => ({
    row:
      `tokenizer worst case: ${num(c.characters)} characters of ${c.kind} vs as many of English prose ` +
      `(exact o200k, ${num(c.tokens)} tokens; a 20,000-character version counts ` +
      `${c.equalToReference ? 'the same as' : 'DIFFERENTLY from'} gpt-tokenizer, which takes ${num(c.referenceMs)} ms on it)`,
    ours: `${num(c.ms, 1)} ms CPU`,
    peer: `prose ${num(c.proseMs, 1)} ms CPU`,
    ratio: `${num(c.ratio, 1)}x`,
    goal: c.goal ? '<= 10x, counts exact' : 'report (counts exact)',
    met: c.goal ? metCell(c.ratio <= 10 && c.equalToReference) : metCell(c.equalToReference),
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measureTokenizerWorstCase();
  console.log(JSON.stringify(result, null, 2));
}
