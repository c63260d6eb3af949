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

// One request budget across processes and hosts (Redis); `rateLimitStore` is the short way
export { redisRequestPacers, type RedisPacerFactoryOptions } from './fleet/redis-pacer-factory.js';
export type { RateLimitScope } from './fleet/pacing-scope.js';

// The prompt pipeline (pure)
export {
  validatePromptSchema,
  templateProblems,
  PromptTemplateSchema,
  type PromptTemplate,
  type VariableDeclaration,
  type FewShotConfig,
  type TemplateSettings,
} from './prompt/template.js';
export { loadTemplate, loadFewShotExamples, resolveFewShotPath } from './prompt/load-template.js';
export { DEFAULT_PROMPT_INPUT_LIMITS, type PromptInputLimits } from './prompt/input-limits.js';
export { DEFAULT_RESPONSE_LIMITS, type ResponseLimits } from './limits.js';
export { interpolate, placeholdersOf } from './prompt/interpolate.js';
export { estimateTokens, countMessageTokens } from './prompt/tokens.js';
export { enforceTokenBudget, type BudgetReport } from './prompt/token-budget.js';
export {
  selectFewShotExamples,
  injectFewShotContext,
  FewShotExampleSchema,
  type FewShotExample,
} from './prompt/few-shot.js';
export { buildPromptPayload } from './prompt/payload.js';
export { preparePrompt, type PreparedPrompt } from './prompt/prepare-prompt.js';

// Streaming (the original design's functions, fixed)
export { connectToAiStream, type AiStreamConfig } from './connect-to-ai-stream.js';
export { handleStreamEvents } from './stream/index.js';
export type { StreamOutcome, StreamChunk } from './stream/index.js';

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
  type AuditEntry,
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
} from './guides/deploy-guide.js';
export { guideDefinitionFromTemplate, type GuideDefinition } from './guides/guide-definition.js';
export { diffGuideVersion, guideContentHash, type GuideFieldChange } from './guides/guide-version-diff.js';
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
} from './errors.js';
