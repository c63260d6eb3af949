/**
 * What `genesys-prompt emulator` does: runs the local Genesys Cloud emulator until Ctrl-C, printing
 * its base URL and the credentials it accepts.
 */
import { startEmulator, type EmulatorFaults, type EmulatorOptions } from '../../emulator/index.js';
import { UsageError } from '../cli-error.js';
import { emulatorBanner } from '../emulator-banner.js';
import { ExitCode } from '../exit-codes.js';
import type { EmulatorFlags } from './emulator-command.js';

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
        : { requests: flags.rateLimit, windowMs: 60_000, per: flags.rateLimitPer },
    ...(flags.tokenLifetime === undefined ? {} : { tokenLifetimeSeconds: flags.tokenLifetime }),
    ...(flags.chunkInterval === undefined ? {} : { chunkIntervalMs: flags.chunkInterval }),
    ...(flags.heartbeatInterval === undefined ? {} : { heartbeatIntervalMs: flags.heartbeatInterval }),
    ...(flags.controlOpen === true ? { controlOpen: true } : {}),
    ...(flags.allowedHost === undefined || flags.allowedHost.length === 0
      ? {}
      : { allowedHosts: flags.allowedHost }),
    faults,
  };
}

/** Why listening failed, as a flag problem, or undefined when it is not the flags' fault. */
function listenProblem(error: unknown, flags: EmulatorFlags): UsageError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new UsageError(
      '--port',
      `${flags.host}:${flags.port} is already in use`,
      'pass --port 0 for a free port, or another number',
      {
        code: 'invalid.flag',
      },
    );
  }
  if (code === 'EACCES') {
    return new UsageError(
      '--port',
      `listening on port ${flags.port} is not permitted`,
      'pass a port of 1024 or more, or --port 0',
      {
        code: 'invalid.flag',
      },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new UsageError(
      '--host',
      `${JSON.stringify(flags.host)} is not an interface of this machine`,
      'pass --host 127.0.0.1 (or another local address)',
      {
        code: 'invalid.flag',
      },
    );
  }
  return undefined;
}

/** Runs the emulator until SIGINT or SIGTERM; resolves with the exit code. */
export async function runEmulator(flags: EmulatorFlags): Promise<number> {
  const emulator = await startEmulator(emulatorOptionsFromFlags(flags)).catch((error: unknown) => {
    throw listenProblem(error, flags) ?? error;
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
  return ExitCode.ok;
}
