/**
 * Child-process entry of `startEmulatorProcess`: runs one emulator and answers the parent over IPC,
 * so the benchmarked client owns its own core, heap and file descriptors.
 * argv[2]: JSON `EmulatorOptions`. Messages in: `{id, type: 'stats' | 'texts' | 'heap' | 'close', ids?}`.
 */
import { startEmulator, type EmulatorOptions } from '../src/emulator/index.js';

/** A request of the parent. */
interface ChildRequest {
  id: number;
  type: 'stats' | 'texts' | 'heap' | 'close';
  ids?: string[];
}

const send = (message: unknown): void => {
  process.send?.(message);
};

const options = JSON.parse(process.argv[2] ?? '{}') as EmulatorOptions;
const emulator = await startEmulator(options);
let closing = false;

const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await emulator.close();
};

process.on('message', (raw: unknown) => {
  const request = raw as ChildRequest;
  switch (request.type) {
    case 'stats':
      send({ id: request.id, stats: emulator.stats() });
      return;
    case 'heap':
      send({ id: request.id, heapUsed: process.memoryUsage().heapUsed });
      return;
    case 'texts': {
      const texts: Record<string, string | null> = {};
      for (const id of request.ids ?? []) texts[id] = emulator.conversation(id)?.text ?? null;
      send({ id: request.id, texts });
      return;
    }
    case 'close':
      void shutdown().then(() => {
        send({ id: request.id, closed: true });
        process.disconnect();
      });
      return;
  }
});
// The parent died or let go: leave nothing behind.
process.on('disconnect', () => void shutdown());

send({
  type: 'ready',
  baseUrl: emulator.baseUrl,
  clientId: emulator.clientId,
  clientSecret: emulator.clientSecret,
});
