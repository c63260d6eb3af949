/** The original design's `generateAuditLog`, kept under its name for code written against the original design. */
import { AUDIT_EVENT_INJECTION, type AuditEntry, type ComplianceStatus } from './audit-entry.js';
import { type AuditAppendFields, checkAuditFields } from './audit-fields.js';
import type { AuditAppendResult, AuditSink } from './audit-sink.js';

/** Options of `generateAuditLog`. */
export interface GenerateAuditLogOptions {
  /** The trail to append to (an `AuditLog` or any sink); without one nothing is written. */
  log?: AuditSink;
  complianceStatus?: ComplianceStatus;
  errorCode?: string;
  eventType?: string;
  /** Clock of the returned entry's timestamp, when there is no log (tests). */
  now?: () => Date;
}

/** The entry `generateAuditLog` returns without a log: the original design's shape, not chained. */
export type UnchainedAuditEntry = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash' | 'tornBytes' | 'tornSha256'>;

/**
 * The original design's `generateAuditLog`, made real. With `options.log` it appends the entry to that trail and
 * returns the promise of its `{seq, hash}`. Without a log it writes nothing (the original design printed to the
 * console; the library never does) and returns the entry it would have written, unchained, for the
 * caller to ship elsewhere.
 * @throws ValidationError when a field breaks the audit field policy (only identifiers and hashes)
 */
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options: GenerateAuditLogOptions & { log: AuditSink },
): Promise<AuditAppendResult>;
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options?: GenerateAuditLogOptions & { log?: undefined },
): UnchainedAuditEntry;
export function generateAuditLog(
  conversationId: string | null,
  assistantId: string,
  promptHash: string,
  userId: string,
  options: GenerateAuditLogOptions = {},
): Promise<AuditAppendResult> | UnchainedAuditEntry {
  const fields: AuditAppendFields = {
    conversationId,
    assistantId,
    promptHash,
    userId,
    ...(options.complianceStatus === undefined ? {} : { complianceStatus: options.complianceStatus }),
    ...(options.errorCode === undefined ? {} : { errorCode: options.errorCode }),
    ...(options.eventType === undefined ? {} : { eventType: options.eventType }),
  };
  if (options.log) return options.log.append(fields);
  checkAuditFields(fields);
  return {
    timestamp: (options.now ?? (() => new Date()))().toISOString(),
    eventType: fields.eventType ?? AUDIT_EVENT_INJECTION,
    conversationId,
    assistantId,
    promptHash,
    userId,
    complianceStatus: fields.complianceStatus ?? 'AUDITED',
    ...(fields.errorCode === undefined ? {} : { errorCode: fields.errorCode }),
  };
}
