/**
 * genesys-prompt-injector: build, validate and stream LLM prompts to Genesys Cloud AI Assistant
 * conversations. This entry loads the client only; the local emulator is the subpath
 * `genesys-prompt-injector/emulator`.
 *
 * Seed-compatible names: `validatePromptSchema`, `buildPromptPayload`, `estimateTokens`,
 * `enforceTokenBudget`, `selectFewShotExamples`, `injectFewShotContext`, `connectToAiStream`,
 * `handleStreamEvents`, `exportTelemetry` and `generateAuditLog` keep the names (and, fixed, the
 * behaviour) of the functions this library grew from, so code written against them keeps working.
 */

// The injector
export { GenesysPromptInjector } from './injector.js';
export type {
  InjectorOptions,
  InjectOptions,
  InjectionResult,
  StreamItem,
  StreamTransport,
  StreamTuning,
  TokenizerName,
} from './injector-options.js';
export type { Logger } from './logger.js';
export type { RequestPacer, RequestPacerFactory, PacedClient } from './http/request-pacer.js';
export type { CallOptions, RestCaller, RestRequest, ApiResult } from './http/rest-request.js';
export type { AbortSignalLike } from './timers/abort-signal-like.js';
export type { Sleep } from './timers/abortable-sleep.js';

// One request budget across processes and hosts (Redis); `rateLimitStore` is the short way
export { redisRequestPacers, type RedisPacerFactoryOptions } from './fleet/redis-pacer-factory.js';
export type { RateLimitScope } from './fleet/pacing-scope.js';

// The prompt pipeline (pure)
export {
  validatePromptSchema,
  templateProblems,
  type ValidateTemplateOptions,
  PromptTemplateSchema,
  type PromptTemplate,
  type VariableDeclaration,
  type FewShotConfig,
  type TemplateSettings,
} from './prompt/template.js';
export { loadTemplate, loadFewShotExamples, resolveFewShotPath } from './prompt/load-template.js';
export { DEFAULT_PROMPT_INPUT_LIMITS, type PromptInputLimits } from './prompt/input-limits.js';
export { DEFAULT_RESPONSE_LIMITS, type ResponseLimits, type ResolvedResponseLimits } from './limits.js';
export { interpolate, placeholdersOf, type InterpolateOptions } from './prompt/interpolate.js';
export { estimateTokens, countMessageTokens } from './prompt/tokens.js';
export type { TokenCounter } from './prompt/token-counter.js';
export { enforceTokenBudget, type BudgetReport } from './prompt/token-budget.js';
export {
  selectFewShotExamples,
  injectFewShotContext,
  FewShotExampleSchema,
  type FewShotExample,
  type FewShotSelectOptions,
} from './prompt/few-shot.js';
export { buildPromptPayload, type BuildPayloadOptions } from './prompt/payload.js';
export type { RenderOptions } from './prompt/render-template.js';
export { preparePrompt, type PreparedPrompt } from './prompt/prepare-prompt.js';

// Streaming (the original design's functions, fixed)
export { connectToAiStream, type AiStreamConfig } from './connect-to-ai-stream.js';
export { handleStreamEvents } from './stream/index.js';
export type { HandleStreamEventsOptions } from './stream/index.js';
export type { StreamOutcome, StreamChunk } from './stream/index.js';
export type { StreamFinishReason } from './stream/stream-outcome.js';
export { STREAM_TRANSPORTS, type StreamTransportStats } from './stream/stream-transport.js';

// Observability
export {
  exportTelemetry,
  generateAuditLog,
  verifyAuditLog,
  describeAuditVerification,
  openAuditSink,
  AuditLog,
  checkAuditFields,
  chainEntries,
  makeCheckpoint,
  generateAuditKeyPair,
  TelemetryExporter,
  promptHash,
  type TelemetryPayload,
  type TelemetryStats,
  type ExportTelemetryOptions,
  type AuditEntry,
  type ComplianceStatus,
  type AuditAppendFields,
  type AuditAppendResult,
  type AuditChainHead,
  type ChainedEntries,
  type UnchainedAuditEntry,
  type TornTailRecovery,
  type AuditWriterOptions,
  type AuditVerificationOk,
  type AuditVerificationBroken,
  type AuditVerificationKeyNeeded,
  type AuditCheckpointProof,
  type AuditBreakReason,
  type VerifyAuditLogOptions,
  type GenerateAuditLogOptions,
  type AuditCheckpointBody,
  type AuditSigningKey,
  type AuditPublicKey,
  type OpenAuditSinkOptions,
  type FetchFunction,
  type TelemetryExporterOptions,
  type AuditSink,
  type AuditTrailLine,
  type AuditTrailSource,
  type AuditCheckpoint,
  type AuditVerification,
} from './observe/index.js';

// AI Studio Guides (backend: 'guides', prompts deployed as code)
export { GuidesApi } from './guides/guides-api.js';
export {
  deployGuide,
  type DeployGuideOptions,
  type GuideDeployResult,
  type GuideDeployProgress,
  type GuideDeployAction,
} from './guides/deploy-guide.js';
export {
  guideDefinitionFromTemplate,
  type GuideDefinition,
  type GuideDefinitionOptions,
} from './guides/guide-definition.js';
export {
  diffGuideVersion,
  guideContentHash,
  type GuideFieldChange,
  type GuideVersionContent,
} from './guides/guide-version-diff.js';
export { guideSessionIdFor } from './guides/guide-session-id.js';
export { guideTurnOf } from './guides/guide-result.js';
export { resolveGuideId } from './guides/guide-lookup.js';
export {
  returnControlFor,
  type GuideTurnDetails,
  type GuideInjectOptions,
  type GuideReturnControl,
} from './guides/guide-turn-result.js';
export { GuideTurnError, GuidePublishError } from './guides/guide-errors.js';

// The wire contract
export type {
  ConversationCreateRequest,
  Conversation,
  PromptMessage,
  FinishReason,
  Usage,
  Guide,
  GuideVersion,
  GuideVariable,
  GuideSessionTurnRequest,
  GuideSessionTurnResponse,
  GuideTurnResult,
  GuideTurnStatus,
  GuideVersionPublishJob,
} from './contract/index.js';
export { SEED_ASSISTANT_ID } from './contract/index.js';

// Errors, by class
export {
  GenesysPromptError,
  ValidationError,
  InputTooLargeError,
  LimitExceededError,
  MissingVariablesError,
  TokenBudgetError,
  ConfigurationError,
  ApiError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  InternalServerError,
  InvalidResponseError,
  ConnectionError,
  TimeoutError,
  AbortError,
  StreamError,
  type ApiErrorOptions,
} from './errors.js';
