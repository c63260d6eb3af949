/** A chained trail held in memory, for the verifier's tests: entries 1..n at one fixed time. */
import { chainEntries, EMPTY_CHAIN_HEAD } from '../../src/observe/audit-chain.js';
import type { AuditEntry } from '../../src/observe/audit-entry.js';

/** The time every kit entry carries. */
export const TIME = '2026-11-26T00:00:00.000Z';

/** The fields of entry `i`. */
export const fields = (i: number) => ({
  conversationId: `conv-${i}`,
  assistantId: 'assistant-1',
  promptHash: i.toString(16).padStart(64, '0'),
  userId: 'u',
});

/** Entries 1..n of a trail (index 0 is entry 1), chained with `hmacKey` when given. */
export function chainedTrail(n: number, hmacKey?: string): AuditEntry[] {
  const all = Array.from({ length: n }, (_, i) => fields(i + 1));
  return chainEntries(EMPTY_CHAIN_HEAD, all, TIME, hmacKey).entries;
}
