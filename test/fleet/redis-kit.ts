/**
 * What the fleet tests share: the real Redis at 127.0.0.1:6379, a key prefix per test that
 * `cleanRedis()` deletes, a private redis-server on a free port for outage tests, and a logger that
 * records what it is told.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import type { Logger } from '../../src/logger.js';

/** The shared Redis server of the machine. */
export const REDIS_URL = process.env.GENESYS_TEST_REDIS ?? 'redis://127.0.0.1:6379';

const prefixes: string[] = [];

/** A key prefix of this test's own; `cleanRedis()` deletes every key under it. */
export function testPrefix(): string {
  const prefix = `gpi-test:${randomUUID()}`;
  prefixes.push(prefix);
  return prefix;
}

/** Deletes the keys of every prefix handed out since the last call. */
export async function cleanRedis(): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  try {
    for (const prefix of prefixes.splice(0)) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/** One log line. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps its lines. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A redis-server of the test's own, to stop and start again. */
export interface PrivateRedis {
  readonly url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Starts a redis-server (from PATH) on a free port, keeping nothing on disk; `password` sets requirepass. */
export async function startPrivateRedis(password?: string): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...(password === undefined ? [] : ['--requirepass', password]),
      ],
      {
        stdio: 'ignore',
      },
    );
    child = started;
    for (let attempt = 0; attempt < 200; attempt++) {
      const probe = new Redis(port, '127.0.0.1', {
        ...(password === undefined ? {} : { password }),
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  const auth = password === undefined ? '' : `:${password}@`;
  return { url: `redis://${auth}127.0.0.1:${port}`, start, stop };
}
