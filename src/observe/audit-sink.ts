/**
 * The seam between the injector and wherever the audit trail lives. The file trail (`AuditLog`) is one
 * implementation, PostgreSQL another; the injector composes this interface and never a concrete sink.
 * A sink appends entries built by the shared chain and field-policy helpers (`audit-entry.ts`,
 * `audit-fields.ts`), and reads its trail back as lines, so one verifier checks every sink.
 */
import type { AuditAppendFields } from './audit-fields.js';

/** Where an appended entry landed. */
export interface AuditAppendResult {
  /** Position in the chain: 1, 2, 3, ... */
  seq: number;
  /** The entry's hash (the next entry's `prevHash`). */
  hash: string;
}

/** One line of a trail as read back for verification. */
export interface AuditTrailLine {
  /**
   * The line's text without its newline. When the line is longer than the reader's limit this is only
   * its first bytes, and `bytes` says how long it really was (no valid entry is that long).
   */
  text: string;
  /** Byte length of the whole line, without its newline. */
  bytes: number;
  /** False only for a last line with no newline: a write a crash cut short. */
  terminated: boolean;
}

/** A trail that can be read back: the entries and the signed checkpoints, in order. */
export interface AuditTrailSource {
  /** Where the trail lives, for messages: a path, or a database URL without its password. */
  readonly target: string;
  /** The trail's entry lines, in chain order. */
  lines(): AsyncIterable<AuditTrailLine>;
  /** The checkpoint lines, oldest first (none when the trail has no checkpoints). */
  checkpoints(): AsyncIterable<AuditTrailLine>;
}

/**
 * Where the injector records one entry per injection outcome. `append` resolves only once the entry
 * is durable (on disk, or committed), with the `seq` and `hash` it got in the chain; `close` waits for
 * pending appends and releases files and connections, after which `append` rejects.
 */
export interface AuditSink extends AuditTrailSource {
  /**
   * Appends one entry and resolves once it is durable.
   * @throws ValidationError when a field breaks the audit field policy
   * @throws GenesysPromptError (`audit.write.failed`, `audit.closed`) when it cannot be written
   */
  append(fields: AuditAppendFields): Promise<AuditAppendResult>;
  /** Waits for pending appends, writes a last checkpoint when signing, then releases resources. */
  close(): Promise<void>;
}
