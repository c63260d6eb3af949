/**
 * `genesys-prompt-injector/emulator`: the local Genesys Cloud emulator (OAuth, the conversation
 * endpoints, the direct socket and the notification service, a deterministic LLM stand-in, rate
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
} from './emulator/index.js';
