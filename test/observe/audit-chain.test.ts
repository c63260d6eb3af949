/**
 * The chain helpers every sink shares: entries chained after a head, the torn-tail recovery entry,
 * and the check that an entry continues the chain (seq, prevHash, hash with or without a key).
 */
import { describe, expect, it } from 'vitest';
import {
  chainEntries,
  chainLinkProblem,
  EMPTY_CHAIN_HEAD,
  sealEntry,
  tornTailRecoveryEntry,
} from '../../src/observe/audit-chain.js';
import {
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  type AuditEntry,
  computeEntryHash,
  formatEntryLine,
  GENESIS_HASH,
} from '../../src/observe/audit-entry.js';

const HASH = 'a'.repeat(64);
const TIME = '2026-11-26T00:00:00.000Z';
const base = { conversationId: 'conv-1', assistantId: 'assistant-1', promptHash: HASH, userId: 'u' };

describe('chainEntries', () => {
  it('numbers entries after the head, chains each from the one before, and returns the new head', () => {
    const head = { seq: 7, hash: 'b'.repeat(64) };
    const { entries, lines, head: next } = chainEntries(head, [base, base, base], TIME);
    expect(entries.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(entries.map((e) => e.prevHash)).toEqual([head.hash, entries[0]!.hash, entries[1]!.hash]);
    expect(next).toEqual({ seq: 10, hash: entries[2]!.hash });
    expect(lines).toEqual(entries.map(formatEntryLine));
    for (const entry of entries) {
      const { hash, ...rest } = entry;
      expect(hash).toBe(computeEntryHash(rest));
      expect(entry.timestamp).toBe(TIME);
    }
  });

  it('keeps the head when there is nothing to chain', () => {
    expect(chainEntries(EMPTY_CHAIN_HEAD, [], TIME)).toEqual({
      entries: [],
      lines: [],
      head: { seq: 0, hash: GENESIS_HASH },
    });
  });

  it('fills in the default event type and status, and adds no field the caller did not give', () => {
    const [entry] = chainEntries(EMPTY_CHAIN_HEAD, [base], TIME).entries;
    expect(entry).toStrictEqual({
      seq: 1,
      timestamp: TIME,
      eventType: 'AI_PROMPT_INJECTION',
      ...base,
      complianceStatus: 'AUDITED',
      prevHash: GENESIS_HASH,
      hash: entry!.hash,
    });
  });

  it('carries the optional fields when given', () => {
    const fields = {
      ...base,
      eventType: 'CUSTOM_EVENT',
      complianceStatus: 'FAILED' as const,
      errorCode: 'timeout',
      backend: 'guides',
      targetVersion: '3',
    };
    const [entry] = chainEntries(EMPTY_CHAIN_HEAD, [fields], TIME).entries;
    expect(entry).toMatchObject(fields);
  });

  it('hashes with the HMAC key when one is given', () => {
    const plain = chainEntries(EMPTY_CHAIN_HEAD, [base], TIME).entries[0]!;
    const keyed = chainEntries(EMPTY_CHAIN_HEAD, [base], TIME, 'key-1').entries[0]!;
    const { hash, ...rest } = keyed;
    expect(hash).toBe(computeEntryHash(rest, 'key-1'));
    expect(hash).not.toBe(plain.hash);
  });
});

describe('tornTailRecoveryEntry', () => {
  it('records the fragment after the head with null identifiers', () => {
    const head = { seq: 4, hash: 'c'.repeat(64) };
    const entry = tornTailRecoveryEntry(head, { bytes: 17, sha256: 'd'.repeat(64) }, TIME, 'key-1');
    expect(entry).toStrictEqual({
      seq: 5,
      timestamp: TIME,
      eventType: AUDIT_EVENT_TORN_TAIL_RECOVERED,
      conversationId: null,
      assistantId: null,
      promptHash: null,
      userId: null,
      complianceStatus: 'AUDITED',
      tornBytes: 17,
      tornSha256: 'd'.repeat(64),
      prevHash: head.hash,
      hash: entry.hash,
    });
    expect(chainLinkProblem(head, entry, 'key-1')).toBeUndefined();
  });
});

describe('chainLinkProblem', () => {
  const head = { seq: 2, hash: 'e'.repeat(64) };
  const next = (key?: string): AuditEntry => chainEntries(head, [base], TIME, key).entries[0]!;
  // Each case is checked both from the entry and from its canonical line.
  const both = (entry: AuditEntry, key?: string): (string | undefined)[] => [
    chainLinkProblem(head, entry, key),
    chainLinkProblem(head, entry, key, formatEntryLine(entry)),
  ];

  it('accepts the entry that continues the chain, with or without a key', () => {
    expect(both(next())).toEqual([undefined, undefined]);
    expect(both(next('key-1'), 'key-1')).toEqual([undefined, undefined]);
  });

  it('names the seq it expected when the entry skips or repeats one', () => {
    for (const seq of [1, 2, 4]) {
      const entry = sealEntry({ ...withoutHash(next()), seq });
      expect(both(entry)).toEqual([
        `has seq ${seq} where 3 was expected`,
        `has seq ${seq} where 3 was expected`,
      ]);
    }
  });

  it('says when the entry does not chain from the head', () => {
    const entry = sealEntry({ ...withoutHash(next()), prevHash: 'f'.repeat(64) });
    expect(both(entry)).toEqual(Array(2).fill('does not chain from the entry before it'));
  });

  it('says when the hash does not match the content, and whether a key was used', () => {
    const edited = { ...next(), userId: 'someone-else' };
    expect(both(edited)).toEqual(Array(2).fill('has a hash that does not match its content'));
    expect(both(next(), 'key-1')).toEqual(
      Array(2).fill('has a hash that does not match its content with this HMAC key'),
    );
    expect(both(next('key-1'), 'key-2')).toEqual(
      Array(2).fill('has a hash that does not match its content with this HMAC key'),
    );
  });
});

function withoutHash(entry: AuditEntry): Omit<AuditEntry, 'hash'> {
  const { hash: _hash, ...rest } = entry;
  return rest;
}
