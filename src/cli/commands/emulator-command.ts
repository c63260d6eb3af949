/**
 * `genesys-prompt emulator`: runs the local Genesys Cloud emulator until Ctrl-C, printing its base URL
 * and the credentials it accepts.
 */
import { Command } from 'commander';
import { startEmulator, type EmulatorFaults, type EmulatorOptions } from '../../emulator/index.js';
import { UsageError } from '../cli-error.js';
import { emulatorBanner } from '../emulator-banner.js';
import { ExitCode } from '../exit-codes.js';
import { integerFlag } from '../injector-flags.js';

interface EmulatorFlags {
  port: number;
  host: string;
  rateLimit: number | false;
  rateLimitPer?: 'token' | 'client';
  tokenLifetime?: number;
  chunkInterval?: number;
  heartbeatInterval?: number;
  seed?: number;
  fault429?: number;
  fault5xx?: number;
  latency?: number;
  dropAfter?: number;
  dropRate?: number;
  malformedRate?: number;
  socketClosingAfter?: number;
  controlOpen?: boolean;
  allowedHost?: string[];
}

/** Parses a share between 0 and 1. */
function shareFlag(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`"${value}" is not a share between 0 and 1`);
  return n;
}

/** Parses what the rate limit counts: `token` or `client`. */
function perFlag(value: string): 'token' | 'client' {
  if (value !== 'token' && value !== 'client') throw new Error(`"${value}" is not token or client`);
  return value;
}

/** The emulator options the flags describe. */
export function emulatorOptionsFromFlags(flags: EmulatorFlags): EmulatorOptions {
  const faults: EmulatorFaults = {
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.fault429 === undefined ? {} : { rate429: flags.fault429 }),
    ...(flags.fault5xx === undefined ? {} : { rate5xx: flags.fault5xx }),
    ...(flags.latency === undefined ? {} : { latencyMs: flags.latency }),
    ...(flags.dropAfter === undefined ? {} : { dropAfterChunks: flags.dropAfter }),
    ...(flags.dropRate === undefined ? {} : { dropRate: flags.dropRate }),
    ...(flags.malformedRate === undefined ? {} : { malformedFrameRate: flags.malformedRate }),
    ...(flags.socketClosingAfter === undefined ? {} : { socketClosingAfterMs: flags.socketClosingAfter }),
  };
  return {
    port: flags.port,
    host: flags.host,
    rateLimit:
      flags.rateLimit === false
        ? false
        : { requests: flags.rateLimit, windowMs: 60_000, per: flags.rateLimitPer ?? 'token' },
    ...(flags.tokenLifetime === undefined ? {} : { tokenLifetimeSeconds: flags.tokenLifetime }),
    ...(flags.chunkInterval === undefined ? {} : { chunkIntervalMs: flags.chunkInterval }),
    ...(flags.heartbeatInterval === undefined ? {} : { heartbeatIntervalMs: flags.heartbeatInterval }),
    ...(flags.controlOpen === true ? { controlOpen: true } : {}),
    ...(flags.allowedHost === undefined ? {} : { allowedHosts: flags.allowedHost }),
    faults,
  };
}

/** Builds the `emulator` command. */
export function emulatorCommand(setExitCode: (code: ExitCode) => void): Command {
  return new Command('emulator')
    .description('run the local Genesys Cloud emulator until Ctrl-C')
    .option('--port <n>', 'port (0 picks a free one)', integerFlag, 8787)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--rate-limit <n>', 'API requests per minute per token', integerFlag, 300)
    .option('--no-rate-limit', 'turn rate limiting off')
    .option('--rate-limit-per <what>', 'count the limit per token or per client', perFlag, 'token')
    .option('--token-lifetime <s>', 'access token lifetime in seconds', integerFlag)
    .option('--chunk-interval <ms>', 'ms between answer chunks', integerFlag)
    .option('--heartbeat-interval <ms>', 'ms between channel heartbeats', integerFlag)
    .option('--seed <n>', 'seed of the fault injection', integerFlag)
    .option('--fault-429 <share>', 'share of API requests answered 429', shareFlag)
    .option('--fault-5xx <share>', 'share of API requests answered 5xx', shareFlag)
    .option('--latency <ms>', 'added to every HTTP answer', integerFlag)
    .option('--drop-after <n>', 'drop the socket after n chunks of a conversation', integerFlag)
    .option('--drop-rate <share>', 'share of conversations whose socket drops mid-answer', shareFlag)
    .option('--malformed-rate <share>', 'share of frames preceded by a malformed one', shareFlag)
    .option(
      '--socket-closing-after <ms>',
      'send v2.system.socket_closing this long after a channel opens',
      integerFlag,
    )
    .option('--control-open', 'serve /__emulator/* without the control token (tests only)')
    .option(
      '--allowed-host <name>',
      'another name the control endpoints answer to in Host (repeatable)',
      (name: string, names: string[] = []) => [...names, name],
    )
    .action(async (flags: EmulatorFlags) => {
      const emulator = await startEmulator(emulatorOptionsFromFlags(flags)).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        throw new UsageError(
          '--port',
          `${flags.host}:${flags.port} is already in use`,
          'pass --port 0 for a free port, or another number',
        );
      });
      process.stdout.write(`${emulatorBanner(emulator).join('\n')}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await emulator.close();
      process.stderr.write('emulator stopped\n');
      setExitCode(ExitCode.ok);
    });
}
