/**
 * The response backends an injector can use, by name. Adding a backend is its own file (implementing
 * `ResponseBackendFactory` from `stream/response-backend.ts`) and one line in this list.
 */
import { guidesBackend } from './guides/guides-backend.js';
import { directBackend } from './stream/direct-backend.js';
import { notificationsBackend } from './stream/notifications-backend.js';
import { pollingBackend } from './stream/polling-backend.js';
import type { InjectOptions } from './injector-options.js';
import type { ResponseBackendFactory } from './stream/response-backend.js';

/** Every registered backend. */
export const RESPONSE_BACKENDS: readonly ResponseBackendFactory<InjectOptions>[] = [
  notificationsBackend,
  directBackend,
  pollingBackend,
  guidesBackend,
];

/** The names callers may pass as `backend`. */
export const BACKEND_NAMES: readonly string[] = RESPONSE_BACKENDS.map((factory) => factory.name);
