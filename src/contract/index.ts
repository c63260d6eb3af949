/** The wire contract of docs/protocol.md, shared by the client and the emulator. */
export * from './conversation.js';
export * from './stream-events.js';
export * from './notifications.js';
export * from './errors.js';
export * from './guides.js';
