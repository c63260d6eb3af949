/**
 * Who may call `/__emulator/*`: a request addressed to a name the emulator answers to (no DNS
 * rebinding), not sent by a page of another origin, and carrying the control token printed at
 * start-up — unless the emulator was started with `controlOpen` (tests).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HostAllowlist } from './host-allowlist.js';
import { EmulatorHttpError, ERROR_CODES } from './http-replies.js';

/** What the control endpoints check. */
export interface ControlAccessRules {
  hosts: HostAllowlist;
  /** The token callers must send as `Authorization: Bearer <token>`; undefined: no token needed. */
  controlToken: string | undefined;
}

/**
 * Throws the refusal for a control request that may not proceed.
 * @throws EmulatorHttpError 403 for an unknown `Host` or a cross-origin request, 401 without the token
 */
export function checkControlAccess(req: IncomingMessage, rules: ControlAccessRules): void {
  const host = req.headers.host;
  if (!rules.hosts.allows(host)) {
    throw new EmulatorHttpError(
      403,
      ERROR_CODES.forbidden,
      'The control endpoints answer only to the names this emulator listens on; add the name with allowedHosts (--allowed-host) if it is yours.',
    );
  }
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  const crossSite = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
  if ((origin !== undefined && origin !== `http://${host}`) || crossSite) {
    throw new EmulatorHttpError(
      403,
      ERROR_CODES.forbidden,
      'The control endpoints refuse requests from web pages of other origins; call them from a program or the CLI.',
    );
  }
  if (rules.controlToken === undefined) return;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  const given = Buffer.from(match?.[1] ?? '', 'utf8');
  const expected = Buffer.from(rules.controlToken, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new EmulatorHttpError(
      401,
      ERROR_CODES.authenticationRequired,
      'The control endpoints need the control token printed when the emulator started, as "Authorization: Bearer <token>" (or start it with --control-open / controlOpen for tests).',
    );
  }
}
