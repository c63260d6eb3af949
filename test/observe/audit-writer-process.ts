/**
 * A writer process for the many-writers test: appends `count` entries to the trail at `path`, `wave`
 * at a time, and prints the `{seq, hash}` of every acknowledged append as one JSON line.
 * Usage: node --import tsx test/observe/audit-writer-process.ts <path> <count> <wave> <name>
 */
import { AuditLog } from '../../src/observe/audit-log.js';
import { promptHash } from '../../src/observe/canonical-json.js';

const [path, countText, waveText, name] = process.argv.slice(2);
const count = Number(countText);
const wave = Number(waveText);
const log = await AuditLog.open(path!, { checkpointEvery: 100 });
const acknowledged: Array<{ seq: number; hash: string }> = [];
for (let i = 0; i < count; i += wave) {
  const batch = Array.from({ length: Math.min(wave, count - i) }, (_, j) =>
    log.append({
      conversationId: `${name}-${i + j}`,
      assistantId: 'assistant-1',
      promptHash: promptHash({ name, i: i + j }),
      userId: name!,
    }),
  );
  acknowledged.push(...(await Promise.all(batch)));
}
await log.close();
process.stdout.write(`${JSON.stringify(acknowledged)}\n`);
