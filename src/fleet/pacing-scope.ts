/**
 * Whose budget a shared pacer spends: one OAuth client's (the default, as Genesys counts its
 * per-client limit), one organisation's (every client that names the same organisation), or one
 * access token's (each injector logs in for a token of its own, so each has a budget of its own).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConfigurationError } from '../errors.js';

/** What one shared budget covers. */
export type RateLimitScope = 'client' | 'organization' | 'token';

/** Every scope, in the order the docs list them. */
export const RATE_LIMIT_SCOPES: readonly RateLimitScope[] = ['client', 'organization', 'token'];

/** What identifies a budget. */
export interface BudgetOwner {
  /** REST origin of the environment. */
  apiBaseUrl: string;
  clientId: string;
  /** Required with scope `organization`: a name every process of the organisation uses. */
  organization?: string | undefined;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * The Redis key stem of a budget: hashed, so no id appears in the store's key space.
 * @param scope what the budget covers
 * @param owner environment, client and organisation
 * @throws ConfigurationError when the scope is unknown or `organization` lacks a name
 */
export function budgetKeyStem(scope: RateLimitScope, owner: BudgetOwner): string {
  switch (scope) {
    case 'client':
      return `client:${digest(`${owner.apiBaseUrl}\n${owner.clientId}`)}`;
    case 'organization': {
      const organization = owner.organization?.trim();
      if (!organization) {
        throw new ConfigurationError(
          'rateLimitOrganization',
          "is required with rateLimitScope 'organization'",
          'name the organisation (the same name in every process that shares its budget)',
        );
      }
      return `org:${digest(`${owner.apiBaseUrl}\n${organization}`)}`;
    }
    case 'token':
      // Each injector holds its own token: its budget is its own, whoever else shares the store.
      return `token:${randomUUID()}`;
    default:
      throw new ConfigurationError(
        'rateLimitScope',
        `unknown value "${String(scope)}"`,
        `use one of ${RATE_LIMIT_SCOPES.join(', ')}`,
      );
  }
}
