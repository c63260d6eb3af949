/**
 * `genesys-prompt emulator`: the flags, each range-checked before the emulator starts; the work is in
 * emulator-action.ts, loaded only when the command runs.
 */
import { Command } from 'commander';
import { MAX_TIMER_MS, oneOf, repeatable, share, wholeNumber } from '../flag-values.js';

/** Parsed flags of `emulator`. */
export interface EmulatorFlags {
  port: number;
  host: string;
  rateLimit: number | false;
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
  rateLimitPer: 'token' | 'client';
  controlOpen?: boolean;
  allowedHost?: string[];
}

const ms = (flag: string, min: number, example: number): ((value: string) => number) =>
  wholeNumber(flag, { min, max: MAX_TIMER_MS, example });

/** Builds the `emulator` command. */
export function emulatorCommand(setExitCode: (code: number) => void): Command {
  return new Command('emulator')
    .description('run the local Genesys Cloud emulator until Ctrl-C')
    .option(
      '--port <n>',
      'port (0 picks a free one)',
      wholeNumber('--port', { min: 0, max: 65_535, example: 8787, note: '(0 picks a free port)' }),
      8787,
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option(
      '--rate-limit <n>',
      'API requests per minute per token',
      wholeNumber('--rate-limit', { min: 1, max: 1_000_000, example: 300, note: '(or --no-rate-limit)' }),
      300,
    )
    .option('--no-rate-limit', 'turn rate limiting off')
    .option(
      '--rate-limit-per <what>',
      'count the limit per token or per client',
      oneOf('--rate-limit-per', ['token', 'client'] as const),
      'token',
    )
    .option(
      '--token-lifetime <s>',
      'access token lifetime in seconds',
      wholeNumber('--token-lifetime', { min: 1, max: Math.floor(MAX_TIMER_MS / 1000), example: 3600 }),
    )
    .option('--chunk-interval <ms>', 'ms between answer chunks', ms('--chunk-interval', 0, 20))
    .option(
      '--heartbeat-interval <ms>',
      'ms between channel heartbeats',
      ms('--heartbeat-interval', 1, 30_000),
    )
    .option(
      '--seed <n>',
      'seed of the fault injection',
      wholeNumber('--seed', { min: 0, max: 4_294_967_295, example: 42 }),
    )
    .option('--fault-429 <share>', 'share of API requests answered 429', share('--fault-429'))
    .option('--fault-5xx <share>', 'share of API requests answered 5xx', share('--fault-5xx'))
    .option('--latency <ms>', 'added to every HTTP answer', ms('--latency', 0, 50))
    .option(
      '--drop-after <n>',
      'drop the socket after n chunks of a conversation',
      wholeNumber('--drop-after', { min: 1, max: 1_000_000, example: 5 }),
    )
    .option(
      '--drop-rate <share>',
      'share of conversations whose socket drops mid-answer',
      share('--drop-rate'),
    )
    .option(
      '--malformed-rate <share>',
      'share of frames preceded by a malformed one',
      share('--malformed-rate'),
    )
    .option(
      '--socket-closing-after <ms>',
      'send v2.system.socket_closing this long after a channel opens',
      ms('--socket-closing-after', 1, 60_000),
    )
    .option('--control-open', 'serve /__emulator/* without the control token (tests only)')
    .option(
      '--allowed-host <name>',
      'another name the control endpoints answer to in Host (repeatable)',
      repeatable,
      [],
    )
    .action(async (flags: EmulatorFlags) => {
      const { runEmulator } = await import('./emulator-action.js');
      setExitCode(await runEmulator(flags));
    });
}
