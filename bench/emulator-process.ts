/**
 * The one emulator host of the benchmarks. `startEmulatorProcess` runs it in a child process: out of
 * process, the emulator's own work and heap do not count against the client being measured (as with a
 * real, remote Genesys), each side gets a core of its own, and each process stays within its own
 * open-file limit. `startEmulatorHere` runs it on the caller's thread behind the same interface, only
 * to show what sharing a thread costs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startEmulator, type EmulatorOptions, type EmulatorStats } from '../src/emulator/index.js';

/** A running emulator in a child process. */
export interface EmulatorProcess {
  /** The child's process id (undefined when the emulator runs on the caller's thread). */
  pid: number | undefined;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The emulator's counters. */
  stats(): Promise<EmulatorStats>;
  /** The server's full text of each conversation (null when unknown). */
  texts(ids: readonly string[]): Promise<Record<string, string | null>>;
  /** Heap used by the emulator's process (or, here, by the shared one), in bytes. */
  heapUsed(): Promise<number>;
  /** Socket-level counters of the child process (undefined on this thread). */
  wire(): Promise<WireCounters | undefined>;
  /** Closes the emulator (every socket) and waits for the child to exit. */
  close(): Promise<void>;
}

/** Counted at the socket level in the emulator's process (see emulator-child.ts). */
export interface WireCounters {
  /** TCP connections accepted (HTTP and WebSocket). */
  connections: number;
  /** HTTP requests received (control endpoints included). */
  requests: number;
  /** Requests whose connection closed before their answer was written. */
  aborted: number;
  /** Create-conversation bodies received. */
  createBodies: number;
  /** Order-free fingerprint of those bodies (hex of a sum of their SHA-256 prefixes). */
  createFingerprint: string;
  /** CPU (user + system) the emulator's process has used so far, in ms. */
  cpuMs: number;
}

interface ChildReply {
  wire?: WireCounters;
  id?: number;
  type?: string;
  stats?: EmulatorStats;
  texts?: Record<string, string | null>;
  heapUsed?: number;
  baseUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

const CHILD = fileURLToPath(new URL('./emulator-child.ts', import.meta.url));

/**
 * Forks `emulator-child.ts` with `options` and waits until it listens.
 * @param options emulator options (JSON-serialisable)
 */
export async function startEmulatorProcess(options: EmulatorOptions = {}): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, (reply: ChildReply) => void>();
  let nextId = 1;

  const ready = await new Promise<ChildReply>((resolve, reject) => {
    const onExit = (code: number | null): void =>
      reject(new Error(`emulator child exited early (code ${code})`));
    child.once('exit', onExit);
    child.on('message', (raw: unknown) => {
      const reply = raw as ChildReply;
      if (reply.type === 'ready') {
        child.off('exit', onExit);
        resolve(reply);
        return;
      }
      if (reply.id !== undefined) {
        pending.get(reply.id)?.(reply);
        pending.delete(reply.id);
      }
    });
  });

  const ask = (message: Record<string, unknown>): Promise<ChildReply> =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error('the emulator child is gone'));
        return;
      }
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...message, id });
    });

  let closing: Promise<void> | undefined;
  return {
    pid: child.pid,
    baseUrl: ready.baseUrl ?? '',
    clientId: ready.clientId ?? '',
    clientSecret: ready.clientSecret ?? '',
    stats: async () => {
      const reply = await ask({ type: 'stats' });
      if (reply.stats === undefined) throw new Error('the emulator child sent no stats');
      return reply.stats;
    },
    texts: async (ids) => (await ask({ type: 'texts', ids: [...ids] })).texts ?? {},
    heapUsed: async () => (await ask({ type: 'heap' })).heapUsed ?? 0,
    wire: async () => (await ask({ type: 'wire' })).wire,
    close: () => {
      closing ??= (async () => {
        if (child.connected) await ask({ type: 'close' }).catch(() => undefined);
        if (child.exitCode === null && child.signalCode === null) {
          const timer = setTimeout(() => child.kill(), 10_000);
          await exited;
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}

/**
 * Runs the emulator on this thread behind the same interface (for the same-thread comparison only).
 * @param options emulator options
 */
export async function startEmulatorHere(options: EmulatorOptions = {}): Promise<EmulatorProcess> {
  const emulator = await startEmulator(options);
  return {
    pid: undefined,
    baseUrl: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    stats: async () => emulator.stats(),
    texts: async (ids) => Object.fromEntries(ids.map((id) => [id, emulator.conversation(id)?.text ?? null])),
    heapUsed: async () => process.memoryUsage().heapUsed,
    wire: async () => undefined,
    close: () => emulator.close(),
  };
}
