/**
 * Child-process entry of one audit writer for bench/audit.ts: opens the trail (a file path or a
 * postgres:// URL) and sends `{type: 'ready'}`. Each `{type: 'go', ...}` runs one phase — for
 * `seconds`, `concurrency` loops that each wait `pauseMs` (an injection's time; 0 for back-to-back
 * appends) then append — and answers `{type: 'done', ...}` with its figures. `{type: 'close'}`
 * closes the trail and disconnects.
 * argv[2]: JSON `AuditWriterConfig`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { openAuditSink } from '../src/observe/audit-open-sink.js';
import { promptHash } from '../src/observe/canonical-json.js';

/** How the parent configures a writer. */
export interface AuditWriterConfig {
  target: string;
  name: string;
}

/** One phase. */
export interface AuditWriterPhase {
  type: 'go';
  seconds: number;
  concurrency: number;
  pauseMs: number;
  /** This writer's first loop's index among all writers' loops, and their number. */
  firstLoop: number;
  totalLoops: number;
}

/** What a writer reports after a phase. */
export interface AuditWriterFigures {
  type: 'done';
  appends: number;
  /** Sum of every append's ms from call to resolution. */
  appendMs: number;
  elapsedMs: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as AuditWriterConfig;
const sink = await openAuditSink(config.target);
const hash = promptHash({ bench: config.name });
let appends = 0;

async function phase({
  seconds,
  concurrency,
  pauseMs,
  firstLoop,
  totalLoops,
}: AuditWriterPhase): Promise<AuditWriterFigures> {
  let count = 0;
  let appendMs = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  // Loop i of n in all starts i/n of a pause late, so appends arrive spread out, as injections that
  // started at different times finish at different times.
  const loop = async (i: number): Promise<void> => {
    if (pauseMs > 0) await sleep((pauseMs * (firstLoop + i)) / totalLoops);
    while (performance.now() < until) {
      if (pauseMs > 0) await sleep(pauseMs);
      const t0 = performance.now();
      await sink.append({
        conversationId: `${config.name}-${appends++}`,
        assistantId: 'assistant-1',
        promptHash: hash,
        userId: 'bench',
      });
      appendMs += performance.now() - t0;
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i)));
  return { type: 'done', appends: count, appendMs, elapsedMs: performance.now() - started };
}

process.on('message', (raw: unknown) => {
  const message = raw as { type?: string };
  if (message.type === 'go') {
    void phase(raw as AuditWriterPhase).then((figures) => process.send!(figures));
  } else if (message.type === 'close') {
    void sink.close().then(() => process.disconnect());
  }
});
process.send!({ type: 'ready' });
