/**
 * What `genesys-prompt emulator` prints at start-up: where it listens, the credentials and control
 * token it accepts, an environment line that works from this machine, and a warning when it listens
 * beyond loopback (anyone who reaches the port can log in with the printed credentials).
 */
import { networkInterfaces } from 'node:os';
import type { Emulator } from '../emulator/index.js';
import { isLoopbackName, isWildcardBind } from '../emulator/host-allowlist.js';

/** The start-up lines for a running emulator (without trailing newline). */
export function emulatorBanner(emulator: Emulator): string[] {
  const lines = [`Genesys Cloud emulator listening on ${emulator.baseUrl}`];
  const exposed = !isLoopbackName(emulator.listenHost);
  if (exposed) {
    const where = isWildcardBind(emulator.listenHost)
      ? `every interface (${emulator.listenHost})`
      : emulator.listenHost;
    lines.push(
      `WARNING: listening on ${where}, beyond this machine: anyone who can reach port ${emulator.port} can log in`,
      '  with the credentials below. Use --host 127.0.0.1 unless other machines must reach it.',
    );
    const remote = isWildcardBind(emulator.listenHost) ? externalAddresses() : [emulator.listenHost];
    if (remote.length > 0) {
      lines.push(
        `  From another machine: ${remote.map((a) => `http://${a.includes(':') ? `[${a}]` : a}:${emulator.port}`).join(', ')}`,
        '  (plain http beyond loopback: pass --allow-insecure to the CLI, allowInsecure: true to the library).',
      );
    }
  }
  lines.push(`  client id:     ${emulator.clientId}`, `  client secret: ${emulator.clientSecret}`);
  lines.push(
    emulator.controlToken === undefined
      ? '  control endpoints (/__emulator/*): open, no token (--control-open)'
      : `  control token: ${emulator.controlToken}  (/__emulator/*: send "Authorization: Bearer <token>")`,
  );
  lines.push(
    'Point the CLI or library at it:',
    `  export GENESYS_ENVIRONMENT=${emulator.baseUrl} GENESYS_CLIENT_ID=${emulator.clientId} GENESYS_CLIENT_SECRET=${emulator.clientSecret}`,
    'Ctrl-C stops it.',
  );
  return lines;
}

/** This machine's non-internal addresses, IPv4 first. */
function externalAddresses(): string[] {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return all
    .filter((a) => !a.internal)
    .sort((x, y) => (x.family === y.family ? 0 : x.family === 'IPv4' ? -1 : 1))
    .map((a) => a.address);
}
