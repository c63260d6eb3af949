/**
 * The local Genesys Cloud emulator (its specification: docs/protocol.md and the README): OAuth, the conversation endpoints, the
 * direct socket and the notification service, a deterministic LLM stand-in, rate limiting and
 * seeded fault injection, all on one loopback origin.
 */
export { startEmulator } from './start-emulator.js';
export {
  generateAnswer,
  SAFETY_REFUSAL,
  type GeneratedAnswer,
  type GenerateAnswerOptions,
} from './answer-generator.js';
export { FAILURE_TRIGGER } from './conversation-engine.js';
export { CONTROL_PATHS } from './control-endpoints.js';
export { GARBAGE_FRAME } from './socket-registry.js';
export { GUIDE_TRIGGERS, MAX_SCRIPTED_IN_PROGRESS } from './guides-triggers.js';
export { SCRIPTED_TEXTS } from './guides-answers.js';
export type { GuideSessionView } from './guides-sessions.js';
export {
  ALL_EMULATOR_SCOPES,
  DEFAULT_EMULATOR_CLIENT,
  type Emulator,
  type EmulatorClient,
  type EmulatorConversationView,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorStats,
  type RateLimitSetting,
} from './emulator-options.js';
