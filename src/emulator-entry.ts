/**
 * `genesys-prompt-injector/emulator`: the local Genesys Cloud emulator (OAuth, the conversation
 * endpoints, AI Studio Guides, the direct socket and the notification service, a deterministic LLM stand-in, rate
 * limiting and seeded fault injection, on one loopback origin). A subpath of its own, so that a
 * service importing the client never loads an HTTP and WebSocket server it does not start.
 */
export {
  startEmulator,
  generateAnswer,
  SAFETY_REFUSAL,
  FAILURE_TRIGGER,
  CONTROL_PATHS,
  GARBAGE_FRAME,
  GUIDE_TRIGGERS,
  SCRIPTED_TEXTS,
  ALL_EMULATOR_SCOPES,
  DEFAULT_EMULATOR_CLIENT,
  type GeneratedAnswer,
  type GenerateAnswerOptions,
  type Emulator,
  type EmulatorClient,
  type EmulatorConversationView,
  type EmulatorFaults,
  type EmulatorOptions,
  type EmulatorStats,
  type GuideSessionView,
} from './emulator/index.js';
