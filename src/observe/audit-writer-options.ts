/** The options every trail writer takes (file or PostgreSQL), their defaults and checks. */
import type { KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.js';
import type { AuditCheckpoint } from './audit-checkpoint.js';

/** Options of a trail writer. */
export interface AuditWriterOptions {
  /** HMAC-SHA-256 key of the chain; plain SHA-256 when omitted. Every writer and the verifier need it. */
  hmacKey?: string;
  /**
   * Ed25519 private key that signs checkpoints (a `KeyObject`, or PEM text). Without one (and without
   * `signingKeyFile`) checkpoints are unsigned: they catch accidents, not rewrites.
   */
  signingKey?: KeyObject | string;
  /** Path of a PEM file holding the signing key (as written by `genesys-prompt audit keygen`). */
  signingKeyFile?: string;
  /** A checkpoint every this many entries (default 1000). */
  checkpointEvery?: number;
  /** And every this many ms when entries were appended since the last one (default 60000; 0 = off). */
  checkpointIntervalMs?: number;
  /** Longest wait for another writer's lock before an append fails (default 30000 ms). */
  lockTimeoutMs?: number;
  /**
   * Called with each checkpoint this writer writes, once it is durable: send it off the host (the
   * injector posts it to the telemetry endpoint). Must not throw; a rejection is ignored.
   */
  onCheckpoint?: (checkpoint: AuditCheckpoint) => void | Promise<void>;
  /** Clock of the entries' timestamps (tests). */
  now?: () => Date;
}

/** The options with defaults applied and numbers checked. */
export interface ResolvedWriterOptions {
  hmacKey: string | undefined;
  every: number;
  intervalMs: number;
  lockTimeoutMs: number;
  onCheckpoint: AuditWriterOptions['onCheckpoint'];
  now: () => Date;
}

/**
 * Applies defaults and checks the numbers.
 * @throws ValidationError naming a number that is not a positive whole number
 */
export function resolveWriterOptions(options: AuditWriterOptions): ResolvedWriterOptions {
  return {
    hmacKey: options.hmacKey,
    every: whole(options.checkpointEvery, 1000, 'checkpointEvery', 1),
    intervalMs: whole(options.checkpointIntervalMs, 60_000, 'checkpointIntervalMs', 0),
    lockTimeoutMs: whole(options.lockTimeoutMs, 30_000, 'lockTimeoutMs', 1),
    onCheckpoint: options.onCheckpoint,
    now: options.now ?? (() => new Date()),
  };
}

/**
 * True when a checkpoint is due: the head is past the last checkpoint by `every` entries, or by any
 * when `flush` (the interval, or close).
 */
export function checkpointDue(
  headSeq: number,
  lastCount: number | undefined,
  every: number,
  flush: boolean,
): boolean {
  const behind = headSeq - (lastCount ?? -1);
  return behind > 0 && (flush || behind >= every);
}

/** Hands a checkpoint to the hook without letting the hook's failure reach the writer. */
export function announceCheckpoint(
  hook: AuditWriterOptions['onCheckpoint'],
  checkpoint: AuditCheckpoint,
): void {
  if (hook === undefined) return;
  try {
    void Promise.resolve(hook(checkpoint)).catch(() => undefined);
  } catch {
    // The hook must not throw; if it does, the checkpoint is durable all the same.
  }
}

function whole(value: number | undefined, fallback: number, field: string, min: number): number {
  if (value === undefined) return fallback;
  // Node's timers hold at most 2^31-1 ms.
  if (!Number.isSafeInteger(value) || value < min || value > 2_147_483_647) {
    throw new ValidationError(
      field,
      `must be a whole number from ${min} to 2147483647`,
      `set ${field} within that range`,
      {
        code: 'invalid.option',
      },
    );
  }
  return value;
}
