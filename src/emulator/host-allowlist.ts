/**
 * Which names the emulator answers to in the `Host` header. A page on another site can make a
 * browser send requests to a loopback port by pointing its own DNS name at 127.0.0.1 (DNS rebinding);
 * the `Host` header then carries the attacker's name, which is not on this list.
 */
import { hostname, networkInterfaces } from 'node:os';

/** True for `localhost`, `*.localhost`, `127.x.x.x` and `::1`. */
export function isLoopbackName(name: string): boolean {
  const host = name.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** True for a bind address that listens on every interface (`0.0.0.0`, `::`). */
export function isWildcardBind(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '0.0.0.0' || bare === '::' || bare === '0:0:0:0:0:0:0:0';
}

/** `host[:port]` or `[v6][:port]`: the only shapes a `Host` header may take. */
const HOST_HEADER_RE = /^(?:([a-z0-9.-]+)|\[([0-9a-f:.]+)\])(?::(\d{1,5}))?$/i;

/** The host names one emulator accepts. */
export class HostAllowlist {
  readonly #names = new Set<string>();

  /**
   * @param boundHost the address the server listens on
   * @param extra more names to accept (a DNS name the emulator is reached by, e.g. in a container network)
   */
  constructor(boundHost: string, extra: readonly string[] = []) {
    const add = (name: string): void => {
      this.#names.add(name.replace(/^\[|\]$/g, '').toLowerCase());
    };
    add(boundHost);
    for (const name of extra) add(name);
    if (isWildcardBind(boundHost)) {
      add(hostname());
      for (const addresses of Object.values(networkInterfaces())) {
        for (const address of addresses ?? []) add(address.address);
      }
    }
  }

  /**
   * The `Host` header's name when the emulator answers to it, else undefined.
   * @param header the request's `Host` header
   */
  hostnameOf(header: string | undefined): string | undefined {
    const match = HOST_HEADER_RE.exec(header ?? '');
    if (match === null) return undefined;
    const name = (match[1] ?? match[2] ?? '').toLowerCase();
    return isLoopbackName(name) || this.#names.has(name) ? name : undefined;
  }

  /** True when the emulator answers to this `Host` header. */
  allows(header: string | undefined): boolean {
    return this.hostnameOf(header) !== undefined;
  }
}
