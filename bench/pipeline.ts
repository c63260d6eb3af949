/**
 * Row 1: our prompt pipeline (`preparePrompt`) against the same work in LangChain.js, with the same
 * tokenizer. Per iteration: render the template, choose 3 of 50 few-shot examples by BM25 similarity
 * within the token budget, inject them, trim a 20-message history to the budget, build the payload.
 * The template is loaded once (`loadTemplate`, which validates it once), and the pipeline counts the
 * texts the template yields every time (system instruction, few-shot blocks) once per template, as a
 * service injecting with one template does; the user message and history are counted per injection.
 * The headline compares with LangChain given a memoised token counter. Before timing, both sides run
 * on all eight inputs
 * and their payloads are compared whole (every message's role and text, in order — so the same
 * examples in the same order, the same history kept — and `settings`).
 * Run alone: node --import tsx bench/pipeline.ts
 */
import { preparePrompt } from '../src/prompt/prepare-prompt.js';
import { num, metCell, type BenchRow } from './bench-table.js';
import { LangChainPipeline } from './langchain-pipeline.js';
import { BENCH_ASSISTANT_ID } from './injection-fixture.js';
import { loadPipelineFixture, type PipelineFixture } from './pipeline-fixture.js';
import { median } from './run-pool.js';

/** Options of `measurePipeline`. */
export interface PipelineOptions {
  /** Timed rounds per side, alternating sides (default 5); the median round counts. */
  rounds?: number;
  /** Length of one round in ms (default 600). */
  roundMs?: number;
}

/** What was checked equal before timing. */
export interface PipelineEquality {
  inputs: number;
  /** Inputs whose whole payloads (messages and settings) were identical on both sides. */
  identicalPayloads: number;
  /** Inputs where both chose the same examples in the same order. */
  identicalExamples: number;
  /** Messages of the history kept (of 20), per input, ours. */
  historyKept: number[];
  /** Examples injected per input, ours. */
  examplesChosen: number[];
}

/** The figures of row 1. */
export interface PipelineResult {
  oursOpsPerSecond: number;
  langchainOpsPerSecond: number;
  /** LangChain with a per-call memoised `tokenCounter` (trimMessages recounts whole prefixes). */
  langchainMemoizedOpsPerSecond: number;
  ratio: number;
  ratioMemoized: number;
  equality: PipelineEquality;
}

/** Iterations per second of `step` over `ms`. */
async function opsPerSecond(step: (i: number) => unknown, ms: number): Promise<number> {
  const started = performance.now();
  const until = started + ms;
  let i = 0;
  let now = started;
  while (now < until) {
    const value = step(i++);
    if (value instanceof Promise) await value;
    now = performance.now();
  }
  return (i / (now - started)) * 1000;
}

function oursStep(fixture: PipelineFixture): (i: number) => unknown {
  const { template, examples, history, inputs } = fixture;
  return (i) =>
    preparePrompt(template, BENCH_ASSISTANT_ID, examples, { variables: inputs[i % inputs.length], history });
}

async function checkEquality(
  fixture: PipelineFixture,
  langchain: LangChainPipeline,
): Promise<PipelineEquality> {
  const equality: PipelineEquality = {
    inputs: fixture.inputs.length,
    identicalPayloads: 0,
    identicalExamples: 0,
    historyKept: [],
    examplesChosen: [],
  };
  for (const variables of fixture.inputs) {
    const ours = preparePrompt(fixture.template, BENCH_ASSISTANT_ID, fixture.examples, {
      variables,
      history: fixture.history,
    });
    const theirs = await langchain.prepare(BENCH_ASSISTANT_ID, variables);
    if (JSON.stringify(ours.payload) === JSON.stringify(theirs.payload)) equality.identicalPayloads++;
    if (JSON.stringify(ours.examples) === JSON.stringify(theirs.examples)) equality.identicalExamples++;
    equality.historyKept.push(fixture.history.length - ours.dropped.length);
    equality.examplesChosen.push(ours.examples.length);
  }
  return equality;
}

/**
 * Measures row 1.
 * @param options rounds and round length
 */
export async function measurePipeline(options: PipelineOptions = {}): Promise<PipelineResult> {
  const rounds = options.rounds ?? 5;
  const roundMs = options.roundMs ?? 600;
  const fixture = await loadPipelineFixture();
  const plain = new LangChainPipeline(fixture.template, fixture.examples, fixture.history, 'plain');
  const memoized = new LangChainPipeline(fixture.template, fixture.examples, fixture.history, 'memoized');
  const equality = await checkEquality(fixture, plain);
  const memoizedEquality = await checkEquality(fixture, memoized);
  if (memoizedEquality.identicalPayloads !== equality.identicalPayloads) {
    throw new Error('the memoised LangChain variant produced different payloads from the plain one');
  }

  const inputs = fixture.inputs;
  const sides: Record<'ours' | 'plain' | 'memoized', (i: number) => unknown> = {
    ours: oursStep(fixture),
    plain: (i) => plain.prepare(BENCH_ASSISTANT_ID, inputs[i % inputs.length] ?? {}),
    memoized: (i) => memoized.prepare(BENCH_ASSISTANT_ID, inputs[i % inputs.length] ?? {}),
  };
  const figures: Record<keyof typeof sides, number[]> = { ours: [], plain: [], memoized: [] };
  for (const step of Object.values(sides)) await opsPerSecond(step, Math.max(200, roundMs / 2)); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, step] of Object.entries(sides) as Array<[keyof typeof sides, (i: number) => unknown]>) {
      figures[name].push(await opsPerSecond(step, roundMs));
    }
  }
  const ours = median(figures.ours);
  const langchain = median(figures.plain);
  const langchainMemoized = median(figures.memoized);
  return {
    oursOpsPerSecond: ours,
    langchainOpsPerSecond: langchain,
    langchainMemoizedOpsPerSecond: langchainMemoized,
    ratio: ours / langchain,
    ratioMemoized: ours / langchainMemoized,
    equality,
  };
}

/** The table rows of row 1. */
export function pipelineRows(result: PipelineResult): BenchRow[] {
  const eq = result.equality;
  const kept = [...new Set(eq.historyKept)].join('/');
  const chosen = [...new Set(eq.examplesChosen)].join('/');
  const check =
    `${eq.identicalPayloads}/${eq.inputs} payloads identical, ${eq.identicalExamples}/${eq.inputs} same examples; ` +
    `${chosen} of 50 examples injected, ${kept} of 20 history messages kept`;
  return [
    {
      row: `prompt pipeline vs LangChain.js with a per-call memoised tokenCounter (trimMessages, o200k) — ${check}`,
      ours: `${num(result.oursOpsPerSecond)} ops/s`,
      peer: `${num(result.langchainMemoizedOpsPerSecond)} ops/s`,
      ratio: `${num(result.ratioMemoized, 2)}x`,
      goal: '>= 4x',
      met: metCell(result.ratioMemoized >= 4 && eq.identicalPayloads === eq.inputs),
    },
    {
      row: 'prompt pipeline vs LangChain.js with a plain tokenCounter (trimMessages recounts; same payloads)',
      ours: `${num(result.oursOpsPerSecond)} ops/s`,
      peer: `${num(result.langchainOpsPerSecond)} ops/s`,
      ratio: `${num(result.ratio, 2)}x`,
      goal: 'report',
      met: metCell(undefined),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measurePipeline();
  console.log(JSON.stringify(result, null, 2));
}
