/**
 * Child-process entry of `startEmulatorProcess`: runs one emulator and answers the parent over IPC,
 * so the benchmarked client owns its own core, heap and file descriptors.
 * argv[2]: JSON `EmulatorOptions`. Messages in: `{id, type: 'stats' | 'texts' | 'heap' | 'close', ids?}`.
 */
import { createHash } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startEmulator, type EmulatorOptions } from '../src/emulator/index.js';

/** A request of the parent. */
interface ChildRequest {
  id: number;
  type: 'stats' | 'texts' | 'heap' | 'wire' | 'close';
  ids?: string[];
}

/**
 * What the emulator's counters do not see, counted at the socket level in this process: TCP
 * connections accepted (HTTP and WebSocket alike), requests whose client went away before the
 * answer was written, and a fingerprint of the create bodies (an order-free sum of their hashes, so
 * two clients that sent the same bodies in any order have the same one).
 */
const wire = { connections: 0, requests: 0, aborted: 0, createBodies: 0, createFingerprint: 0n };
const FINGERPRINT_MOD = 1n << 64n;
subscribe('net.server.socket', () => {
  wire.connections += 1;
});
subscribe('http.server.request.start', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
  wire.requests += 1;
  response.once('close', () => {
    if (!response.writableFinished) wire.aborted += 1;
  });
  if (
    request.method !== 'POST' ||
    !/^\/api\/v2\/ai\/assistants\/[^/]+\/conversations$/.test(request.url ?? '')
  )
    return;
  const hash = createHash('sha256');
  request.on('data', (part: Buffer) => hash.update(part));
  request.once('end', () => {
    wire.createBodies += 1;
    wire.createFingerprint = (wire.createFingerprint + hash.digest().readBigUInt64BE(0)) % FINGERPRINT_MOD;
  });
});

/** This process's CPU (user + system) so far, in ms. */
const cpuMsOfProcess = (): number => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

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
    case 'wire':
      send({
        id: request.id,
        wire: { ...wire, createFingerprint: wire.createFingerprint.toString(16), cpuMs: cpuMsOfProcess() },
      });
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
