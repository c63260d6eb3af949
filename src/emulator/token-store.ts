/**
 * Registered OAuth clients and the opaque access tokens issued to them, with their scopes and expiry.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EmulatorClient } from './emulator-options.js';

/** What an access token stands for. */
export interface IssuedToken {
  token: string;
  clientId: string;
  scopes: ReadonlySet<string>;
  expiresAt: number;
}

/** Clients and tokens of one emulator. */
export class TokenStore {
  readonly #clients = new Map<string, EmulatorClient>();
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #lifetimeMs: number;
  #issued = 0;

  /**
   * @param clients the registered OAuth clients
   * @param lifetimeSeconds lifetime of each token
   */
  constructor(clients: readonly EmulatorClient[], lifetimeSeconds: number) {
    for (const client of clients) this.#clients.set(client.clientId, client);
    this.#lifetimeMs = lifetimeSeconds * 1000;
  }

  /** Token lifetime in seconds, as `expires_in` says it. */
  get lifetimeSeconds(): number {
    return this.#lifetimeMs / 1000;
  }

  /** Tokens issued since start. */
  get issuedCount(): number {
    return this.#issued;
  }

  /** The client with these credentials, or undefined (secrets compared in constant time). */
  authenticate(clientId: string, clientSecret: string): EmulatorClient | undefined {
    const client = this.#clients.get(clientId);
    if (client === undefined) return undefined;
    const expected = Buffer.from(client.clientSecret, 'utf8');
    const given = Buffer.from(clientSecret, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given) ? client : undefined;
  }

  /** Issues a new token for `client`. */
  issue(client: EmulatorClient, now = Date.now()): IssuedToken {
    const issued: IssuedToken = {
      token: randomBytes(32).toString('base64url'),
      clientId: client.clientId,
      scopes: new Set(client.scopes),
      expiresAt: now + this.#lifetimeMs,
    };
    this.#tokens.set(issued.token, issued);
    this.#issued += 1;
    return issued;
  }

  /** The live token behind `token`, or undefined when unknown, expired or revoked. */
  lookup(token: string, now = Date.now()): IssuedToken | undefined {
    const issued = this.#tokens.get(token);
    if (issued === undefined) return undefined;
    if (issued.expiresAt <= now) {
      this.#tokens.delete(token);
      return undefined;
    }
    return issued;
  }

  /** Every token issued so far becomes invalid. */
  expireAll(): void {
    this.#tokens.clear();
  }

  /** Forgets expired tokens. */
  sweep(now = Date.now()): void {
    for (const [token, issued] of this.#tokens) if (issued.expiresAt <= now) this.#tokens.delete(token);
  }
}
