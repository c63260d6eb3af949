/**
 * The state of one emulator, wired together: clients and tokens, the rate limiter, faults,
 * conversations, both transports, idempotency keys and counters. The HTTP and upgrade handlers work
 * on it; it owns every timer except the server's.
 */
import type { AiStreamEvent } from '../contract/stream-events.js';
import { ConversationEngine, type ConversationRecord } from './conversation-engine.js';
import { DirectSockets } from './direct-sockets.js';
import type { EmulatorFaults, EmulatorStats, ResolvedEmulatorOptions } from './emulator-options.js';
import { FaultInjector } from './fault-injector.js';
import type { GuidesContext } from './guides-operations.js';
import { GuideSessions } from './guides-sessions.js';
import { GuideStore } from './guides-store.js';
import { HostAllowlist } from './host-allowlist.js';
import { IdempotencyCache } from './idempotency-cache.js';
import { NotificationChannels } from './notification-channels.js';
import { SocketRegistry } from './socket-registry.js';
import { TokenRateLimiter } from './token-rate-limiter.js';
import { TokenStore } from './token-store.js';

const SWEEP_INTERVAL_MS = 60_000;

/** Everything one emulator holds. */
export class EmulatorCore {
  readonly options: ResolvedEmulatorOptions;
  readonly assistants: ReadonlySet<string>;
  readonly tokens: TokenStore;
  readonly rateLimiter: TokenRateLimiter | undefined;
  readonly faults: FaultInjector;
  readonly sockets: SocketRegistry;
  readonly engine: ConversationEngine;
  readonly channels: NotificationChannels;
  readonly direct: DirectSockets;
  readonly idempotency = new IdempotencyCache();
  readonly guides: GuidesContext;
  /** The names the emulator answers to in `Host`. */
  readonly hosts: HostAllowlist;
  /** `ws://host:port`, set once the server listens. */
  socketOrigin = '';
  requests = 0;
  readonly requestsByRoute: Record<string, number> = {};
  idempotentReplays = 0;
  rateLimited = 0;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(options: ResolvedEmulatorOptions) {
    this.options = options;
    this.assistants = new Set(options.assistants);
    this.hosts = new HostAllowlist(options.host, options.allowedHosts);
    this.tokens = new TokenStore(options.clients, options.tokenLifetimeSeconds);
    this.rateLimiter =
      options.rateLimit === false
        ? undefined
        : new TokenRateLimiter(options.rateLimit.requests, options.rateLimit.windowMs);
    this.faults = new FaultInjector(options.faults);
    this.sockets = new SocketRegistry(this.faults);
    this.engine = new ConversationEngine(options, {
      publish: (record, event) => this.#publish(record, event),
      dropSockets: (record) => this.#drop(record),
      hasSubscriber: (record) => this.direct.hasSubscriber(record.id) || this.channels.hasSubscriber(record),
    });
    this.channels = new NotificationChannels(options, this.sockets, this.faults);
    this.guides = {
      store: new GuideStore(options.guidePublishReads),
      sessions: new GuideSessions(options.retainCompletedMs),
    };
    this.direct = new DirectSockets(
      this.sockets,
      this.engine,
      (token) => this.tokens.lookup(token.token) === token,
    );
    this.#sweep = setInterval(() => this.sweep(), Math.min(SWEEP_INTERVAL_MS, options.retainCompletedMs));
    this.#sweep.unref();
  }

  /** True once `close()` ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The socket origin for a channel's `connectUri`: the name the client reached the emulator by,
   * when it is one the emulator answers to (so a wildcard bind hands out a reachable address).
   * @param hostHeader the request's `Host` header
   */
  socketOriginFor(hostHeader: string | undefined): string {
    return hostHeader !== undefined && this.hosts.allows(hostHeader)
      ? `ws://${hostHeader}`
      : this.socketOrigin;
  }

  /** Counts one HTTP request under `routeKey`. */
  countRequest(routeKey: string): void {
    this.requests += 1;
    this.requestsByRoute[routeKey] = (this.requestsByRoute[routeKey] ?? 0) + 1;
  }

  /** Waits `ms` on a timer that `close()` clears (the pending answer is then dropped with its socket). */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  /** Replaces the faults and reseeds. */
  setFaults(faults: EmulatorFaults): void {
    this.faults.set(faults);
  }

  /** Every token issued so far becomes invalid; the direct sockets they opened close. */
  expireTokens(): void {
    this.tokens.expireAll();
    this.direct.closeExpired();
  }

  /** A snapshot of the counters. */
  stats(): EmulatorStats {
    return {
      tokensIssued: this.tokens.issuedCount,
      requests: this.requests,
      requestsByRoute: { ...this.requestsByRoute },
      conversationsCreated: this.engine.created,
      idempotentReplays: this.idempotentReplays,
      channelsCreated: this.channels.created,
      socketsOpen: this.sockets.openCount,
      socketsOpened: this.sockets.opened,
      chunksSent: this.engine.chunksSent,
      injected: { ...this.faults.counts },
      rateLimited: this.rateLimited,
      guides: { ...this.guides.store.counts, ...this.guides.sessions.counts },
    };
  }

  /** Forgets expired tokens, windows, idempotency keys and old finished conversations. */
  sweep(now = Date.now()): void {
    this.tokens.sweep(now);
    this.rateLimiter?.sweep(now);
    this.idempotency.sweep(now);
    // A conversation lives as long as an idempotency key points at it, so a replay never finds it gone.
    const keyed = this.idempotency.conversationsPointedAt(now);
    this.engine.sweep(now, (id) => keyed.has(id));
    this.guides.sessions.sweep(now);
  }

  /** Stops every timer and terminates every socket; resolves once the sockets closed. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweep);
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.engine.close();
    this.channels.close();
    this.direct.close();
    await this.sockets.terminateAll();
  }

  #publish(record: ConversationRecord, event: AiStreamEvent): void {
    this.direct.publish(record.id, event);
    this.channels.publish(record, event);
  }

  #drop(record: ConversationRecord): void {
    const sockets = [...this.direct.socketsFor(record.id), ...this.channels.socketsFor(record)];
    this.faults.counts.drops += 1;
    for (const ws of sockets) ws.terminate();
  }
}
