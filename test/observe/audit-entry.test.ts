/**
 * One audit entry: its hash (plain or HMAC, over the previous hash and its canonical JSON), the
 * strict reading of a line (each field's type, no other field, exactly the canonical bytes), and the
 * hash check straight from a line.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealEntry } from '../../src/observe/audit-chain.js';
import {
  type AuditEntry,
  computeEntryHash,
  entryHashMatches,
  formatEntryLine,
  GENESIS_HASH,
  isHex64,
  lineHashMatches,
  parseEntryLine,
  readEntryLine,
} from '../../src/observe/audit-entry.js';
import { canonicalJson } from '../../src/observe/canonical-json.js';

const unsealed: Omit<AuditEntry, 'hash'> = {
  seq: 1,
  timestamp: '2026-11-26T00:00:00.000Z',
  eventType: 'AI_PROMPT_INJECTION',
  conversationId: 'conv-1',
  assistantId: 'assistant-1',
  promptHash: 'a'.repeat(64),
  userId: 'u',
  complianceStatus: 'AUDITED',
  prevHash: GENESIS_HASH,
};
const entry = sealEntry(unsealed);
const line = formatEntryLine(entry);

/** The line of `entry` with some fields replaced (or removed when undefined), keys kept sorted. */
function lineWith(changes: Record<string, unknown>): string {
  return canonicalJson({ ...entry, ...changes });
}

describe('computeEntryHash', () => {
  it('is SHA-256, or HMAC-SHA-256 with a key, of prevHash followed by the canonical JSON', () => {
    const input = GENESIS_HASH + canonicalJson(unsealed);
    expect(computeEntryHash(unsealed)).toBe(createHash('sha256').update(input).digest('hex'));
    expect(computeEntryHash(unsealed, 'key-1')).toBe(
      createHmac('sha256', 'key-1').update(input).digest('hex'),
    );
  });
});

describe('isHex64', () => {
  it('accepts exactly 64 lower-case hex digits', () => {
    expect(isHex64('0123456789abcdef'.repeat(4))).toBe(true);
    for (const text of [
      'A'.repeat(64),
      'a'.repeat(63),
      'a'.repeat(65),
      `x${'a'.repeat(64)}`,
      `${'a'.repeat(64)}x`,
    ]) {
      expect(isHex64(text)).toBe(false);
    }
    expect(isHex64(64)).toBe(false);
  });
});

describe('readEntryLine', () => {
  it('reads a canonical line back into its entry', () => {
    expect(readEntryLine(line)).toEqual({ entry });
    expect(parseEntryLine(line)).toEqual(entry);
  });

  it('reads every optional field and null identifiers', () => {
    const full = sealEntry({
      ...unsealed,
      conversationId: null,
      assistantId: null,
      promptHash: null,
      userId: null,
      complianceStatus: 'FAILED',
      errorCode: 'timeout',
      backend: 'guides',
      targetVersion: '3',
      tornBytes: 12,
      tornSha256: 'b'.repeat(64),
    });
    expect(readEntryLine(formatEntryLine(full)).entry).toEqual(full);
  });

  it('says why a line that is not an object is not an entry', () => {
    expect(readEntryLine('{"seq":')).toEqual({ problem: 'is not JSON' });
    for (const text of ['null', '[]', '"entry"', '3']) {
      expect(readEntryLine(text)).toEqual({ problem: 'is not a JSON object' });
    }
    expect(readEntryLine(lineWith({ note: 'x' }))).toEqual({
      problem: 'has a field that is not an audit field',
    });
    expect(parseEntryLine('null')).toBeUndefined();
  });

  it('refuses each field of the wrong type, or missing when required', () => {
    const wrong: Record<string, unknown>[] = [
      { seq: 0 },
      { seq: -1 },
      { seq: 1.5 },
      { seq: '1' },
      { seq: 2 ** 53 },
      { seq: undefined },
      { timestamp: 1 },
      { timestamp: undefined },
      { eventType: null },
      { conversationId: 5 },
      { conversationId: undefined },
      { assistantId: 5 },
      { promptHash: 5 },
      { userId: false },
      { complianceStatus: 'OK' },
      { complianceStatus: undefined },
      { errorCode: 5 },
      { backend: 5 },
      { targetVersion: 3 },
      { tornBytes: 1.5 },
      { tornBytes: '12' },
      { tornSha256: 'B'.repeat(64) },
      { prevHash: 'A'.repeat(64) },
      { prevHash: undefined },
      { hash: 'a'.repeat(63) },
      { hash: undefined },
    ];
    for (const change of wrong) {
      expect([change, readEntryLine(lineWith(change))]).toEqual([
        change,
        { problem: 'is not a well-formed audit entry' },
      ]);
    }
  });

  it('refuses a line that is not byte for byte the canonical form of its entry', () => {
    const canonical = {
      problem: expect.stringContaining('is not the canonical form of its entry') as unknown,
    };
    const reordered = JSON.stringify({ hash: entry.hash, ...unsealed });
    const spaced = JSON.stringify(entry, null, 1);
    const duplicated = line.replace('{', '{"userId":"someone-else",');
    for (const text of [reordered, spaced, duplicated, `${line} `])
      expect(readEntryLine(text)).toEqual(canonical);
  });
});

describe('entryHashMatches and lineHashMatches', () => {
  it('match an entry with its own hash, and not one edited after sealing', () => {
    const edited = { ...entry, userId: 'someone-else' };
    expect(entryHashMatches(entry)).toBe(true);
    expect(entryHashMatches(edited)).toBe(false);
    expect(lineHashMatches(line, entry)).toBe(true);
    expect(lineHashMatches(formatEntryLine(edited), edited)).toBe(false);
  });

  it('check with the HMAC key when given', () => {
    const keyed = sealEntry(unsealed, 'key-1');
    const keyedLine = formatEntryLine(keyed);
    expect(entryHashMatches(keyed, 'key-1')).toBe(true);
    expect(lineHashMatches(keyedLine, keyed, 'key-1')).toBe(true);
    expect(lineHashMatches(keyedLine, keyed, 'key-2')).toBe(false);
    expect(lineHashMatches(keyedLine, keyed)).toBe(false);
    expect(lineHashMatches(line, entry, 'key-1')).toBe(false);
  });

  it('fall back to serialising again when the line does not hold the hash member as written', () => {
    const spaced = JSON.stringify(entry, null, 1);
    expect(lineHashMatches(spaced, entry)).toBe(true);
    expect(lineHashMatches(spaced, { ...entry, userId: 'someone-else' })).toBe(false);
  });

  it('check every part of the line around the hash member', () => {
    // An entry whose hash member is neither first nor last: both sides of it are hashed.
    const withTail = sealEntry({ ...unsealed, userId: 'z-user', tornBytes: 1, tornSha256: 'c'.repeat(64) });
    const tailLine = formatEntryLine(withTail);
    expect(lineHashMatches(tailLine, withTail)).toBe(true);
    const before = tailLine.replace('"conv-1"', '"conv-2"');
    const after = tailLine.replace('"z-user"', '"y-user"');
    expect(lineHashMatches(before, withTail)).toBe(false);
    expect(lineHashMatches(after, withTail)).toBe(false);
  });
});
