/**
 * `/__emulator/*`: control of a running emulator from another process (the CLI, a test runner).
 * Guarded by `control-access.ts` (control token, `Host` and origin checks); no faults, not counted in
 * `requests`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorCore } from './emulator-core.js';
import type { EmulatorFaults } from './emulator-options.js';
import { faultsProblem } from './fault-injector.js';
import { EmulatorHttpError, ERROR_CODES, parseJsonBody, readBody, sendJson } from './http-replies.js';

/** Path prefix of the control endpoints. */
export const CONTROL_PREFIX = '/__emulator/';

/** Paths of the control endpoints. */
export const CONTROL_PATHS = {
  stats: '/__emulator/stats',
  faults: '/__emulator/faults',
  socketClosing: '/__emulator/socket-closing',
  expireChannels: '/__emulator/expire-channels',
  expireTokens: '/__emulator/expire-tokens',
} as const;

/**
 * Answers one control request:
 * `GET stats`, `GET|PUT faults` (JSON `EmulatorFaults`), `POST socket-closing` (optional `{graceMs}`),
 * `POST expire-channels`, `POST expire-tokens`.
 */
export async function handleControlRequest(
  core: EmulatorCore,
  method: string,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
  correlationId: string,
): Promise<void> {
  const call = `${method} ${pathname}`;
  switch (call) {
    case `GET ${CONTROL_PATHS.stats}`:
      sendJson(res, correlationId, 200, core.stats());
      return;
    case `GET ${CONTROL_PATHS.faults}`:
      sendJson(res, correlationId, 200, core.faults.faults);
      return;
    case `PUT ${CONTROL_PATHS.faults}`: {
      const faults = parseJsonBody(await readBody(req)) ?? {};
      const problem = faultsProblem(faults);
      if (problem !== undefined)
        throw new EmulatorHttpError(400, ERROR_CODES.badRequest, `Invalid faults: ${problem}.`);
      core.setFaults(faults as EmulatorFaults);
      sendJson(res, correlationId, 200, core.faults.faults);
      return;
    }
    case `POST ${CONTROL_PATHS.socketClosing}`: {
      const body = parseJsonBody(await readBody(req));
      const graceMs = (body as { graceMs?: unknown } | undefined)?.graceMs;
      if (
        graceMs !== undefined &&
        (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0)
      ) {
        throw new EmulatorHttpError(400, ERROR_CODES.badRequest, 'graceMs must be a non-negative number.');
      }
      core.channels.forceSocketClosing(graceMs ?? 100);
      sendJson(res, correlationId, 200, { done: 'socket-closing' });
      return;
    }
    case `POST ${CONTROL_PATHS.expireChannels}`:
      core.channels.expireAll();
      sendJson(res, correlationId, 200, { done: 'expire-channels' });
      return;
    case `POST ${CONTROL_PATHS.expireTokens}`:
      core.expireTokens();
      sendJson(res, correlationId, 200, { done: 'expire-tokens' });
      return;
    default:
      throw new EmulatorHttpError(404, ERROR_CODES.notFound, `No control endpoint at ${call}.`);
  }
}
