/**
 * Starts the emulator in a child process for the benchmarks. Out of process, the emulator's own
 * work and heap do not count against the client being measured (as with a real, remote Genesys),
 * each side gets a core of its own, and each process stays within its own open-file limit.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EmulatorOptions, EmulatorStats } from '../src/emulator/index.js';

/** A running emulator in a child process. */
export interface EmulatorProcess {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The emulator's counters. */
  stats(): Promise<EmulatorStats>;
  /** The server's full text of each conversation (null when unknown). */
  texts(ids: readonly string[]): Promise<Record<string, string | null>>;
  /** Closes the emulator (every socket) and waits for the child to exit. */
  close(): Promise<void>;
}

interface ChildReply {
  id?: number;
  type?: string;
  stats?: EmulatorStats;
  texts?: Record<string, string | null>;
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
    baseUrl: ready.baseUrl ?? '',
    clientId: ready.clientId ?? '',
    clientSecret: ready.clientSecret ?? '',
    stats: async () => {
      const reply = await ask({ type: 'stats' });
      if (reply.stats === undefined) throw new Error('the emulator child sent no stats');
      return reply.stats;
    },
    texts: async (ids) => (await ask({ type: 'texts', ids: [...ids] })).texts ?? {},
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
