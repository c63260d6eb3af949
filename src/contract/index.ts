/** The wire contract of PRODUCT.md section 4, shared by the client and the emulator. */
export * from './conversation.js';
export * from './stream-events.js';
export * from './notifications.js';
export * from './errors.js';
export * from './guides.js';
