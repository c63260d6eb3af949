/** Observability: prompt hash, audit trail, telemetry webhook, OpenTelemetry, log redaction. */
export { canonicalJson, promptHash, sha256Hex } from './canonical-json.js';
export {
  AUDIT_EVENT_INJECTION,
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  computeEntryHash,
  entryHashMatches,
  formatEntryLine,
  parseEntryLine,
  GENESIS_HASH,
  type AuditEntry,
  type ComplianceStatus,
} from './audit-entry.js';
export { checkAuditFields, type AuditAppendFields } from './audit-fields.js';
export {
  chainEntries,
  chainLinkProblem,
  EMPTY_CHAIN_HEAD,
  sealEntry,
  type AuditChainHead,
  type ChainedEntries,
} from './audit-chain.js';
export {
  checkpointLineHash,
  formatCheckpointLine,
  makeCheckpoint,
  readCheckpointLine,
  type AuditCheckpoint,
  type AuditCheckpointBody,
} from './audit-checkpoint.js';
export {
  generateAuditKeyPair,
  loadAuditPublicKey,
  loadAuditSigningKey,
  type AuditPublicKey,
  type AuditSigningKey,
} from './audit-signing-key.js';
export { describeAuditVerification } from './audit-report.js';
export type { AuditWriterOptions } from './audit-writer-options.js';
export type { AuditAppendResult, AuditSink, AuditTrailLine, AuditTrailSource } from './audit-sink.js';
export { fileTrailSource } from './audit-file-source.js';
export { openAuditSink, type OpenAuditSinkOptions } from './audit-open-sink.js';
export { AuditLog, type AuditLogOptions, type TornTailRecovery } from './audit-log.js';
export {
  generateAuditLog,
  type GenerateAuditLogOptions,
  type UnchainedAuditEntry,
} from './audit-generate.js';
export {
  verifyAuditLog,
  type AuditBreakReason,
  type AuditVerification,
  type AuditVerificationBroken,
  type AuditVerificationOk,
  type AuditVerificationKeyNeeded,
  type AuditCheckpointProof,
  type VerifyAuditLogOptions,
} from './audit-verify.js';
export {
  exportTelemetry,
  TelemetryExporter,
  telemetryPayloadFromResult,
  type ExportTelemetryOptions,
  type FetchFunction,
  type TelemetryExporterOptions,
  type TelemetryPayload,
  type TelemetryStats,
} from './telemetry-exporter.js';
export {
  errorType,
  GEN_AI_PROVIDER,
  INSTRUMENTATION_NAME,
  startInjectionSpan,
  type InjectionSpan,
  type InjectionSpanAttributes,
  type InjectionSpanResult,
  type InjectionTelemetryOptions,
} from './otel.js';
export { REDACTED, REDACTED_KEYS, redactingLogger, redactSecrets } from './redacting-logger.js';
