/**
 * The audit field policy: what a caller may put in an entry. Only identifiers and hashes reach a
 * trail, never prompt text, variable values, tokens or secrets; anything else is refused before it is
 * written. Every sink applies this same policy (exported for sinks written outside this library).
 */
import { ValidationError } from '../errors.js';
import { AUDIT_EVENT_TORN_TAIL_RECOVERED, type ComplianceStatus, isHex64 } from './audit-entry.js';

/** What a caller may put in an entry: identifiers and hashes only. Unknown fields are refused. */
export interface AuditAppendFields {
  /** Default `AI_PROMPT_INJECTION`. Upper-case letters, digits and `_`. */
  eventType?: string;
  /** Null when the injection failed before the conversation existed. */
  conversationId: string | null;
  assistantId: string;
  /** SHA-256 hex of the payload sent (`promptHash(payload)`). */
  promptHash: string;
  userId: string;
  /** Default `AUDITED`. */
  complianceStatus?: ComplianceStatus;
  /** Required with `FAILED` (the error's `code`), refused with `AUDITED`. */
  errorCode?: string;
  /** The response backend that handled the injection (`notifications`, `guides`, ...). */
  backend?: string;
  /** The version of the target that answered, when the backend reports one (a guide version). */
  targetVersion?: string;
}

const ALLOWED_FIELDS = new Set([
  'eventType',
  'conversationId',
  'assistantId',
  'promptHash',
  'userId',
  'complianceStatus',
  'errorCode',
  'backend',
  'targetVersion',
]);
const BACKEND = /^[a-z][a-z0-9-]{0,63}$/;
const EVENT_TYPE = /^[A-Z][A-Z0-9_]{0,63}$/;
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,128}$/;
// Identifiers: printable, no whitespace, bounded, so free text (a prompt) cannot pass for one.
const IDENTIFIER = /^[\x21-\x7e]{1,256}$/;

function refuse(field: string, problem: string, fix: string): never {
  throw new ValidationError(`audit.${field}`, problem, fix, { code: 'invalid.audit.entry' });
}

/**
 * Checks `fields` against the policy and returns a copy holding only them.
 * @throws ValidationError naming the first field that is not an audit field, not an identifier or
 *   hash, or not allowed with the status
 */
export function checkAuditFields(fields: AuditAppendFields): AuditAppendFields {
  if (fields === null || typeof fields !== 'object')
    refuse('entry', 'is not an object', 'pass the audit fields');
  for (const key of Object.keys(fields)) {
    if (!ALLOWED_FIELDS.has(key)) {
      refuse(key.slice(0, 64), 'is not an audit field', `pass only ${[...ALLOWED_FIELDS].join(', ')}`);
    }
  }
  if (fields.eventType !== undefined) {
    if (typeof fields.eventType !== 'string' || !EVENT_TYPE.test(fields.eventType)) {
      refuse('eventType', 'must be upper-case letters, digits and _', 'use a name like AI_PROMPT_INJECTION');
    }
    if (fields.eventType === AUDIT_EVENT_TORN_TAIL_RECOVERED) {
      refuse('eventType', 'is reserved for crash recovery', 'use another event type');
    }
  }
  const identifier = (name: string, value: unknown): void => {
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) {
      refuse(
        name,
        'must be an identifier (1-256 printable characters, no spaces)',
        `pass the ${name}, not free text`,
      );
    }
  };
  if (fields.conversationId !== null) identifier('conversationId', fields.conversationId);
  identifier('assistantId', fields.assistantId);
  identifier('userId', fields.userId);
  if (fields.backend !== undefined && (typeof fields.backend !== 'string' || !BACKEND.test(fields.backend))) {
    refuse('backend', 'must be a backend name (lower-case letters, digits and -)', 'pass the backend name');
  }
  if (fields.targetVersion !== undefined) identifier('targetVersion', fields.targetVersion);
  if (!isHex64(fields.promptHash)) {
    refuse('promptHash', 'must be a SHA-256 hex digest', 'pass promptHash(payload), never the prompt itself');
  }
  const status = fields.complianceStatus ?? 'AUDITED';
  if (status !== 'AUDITED' && status !== 'FAILED')
    refuse('complianceStatus', 'must be AUDITED or FAILED', 'fix it');
  if (status === 'FAILED') {
    if (typeof fields.errorCode !== 'string' || !ERROR_CODE.test(fields.errorCode)) {
      refuse(
        'errorCode',
        'is required with FAILED and must be a code',
        "pass the error's code, e.g. error.code",
      );
    }
  } else if (fields.errorCode !== undefined) {
    refuse('errorCode', 'is only allowed with FAILED', 'set complianceStatus: FAILED or drop errorCode');
  }
  return { ...fields };
}
