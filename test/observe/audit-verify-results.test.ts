/**
 * What `verifyAuditLog` says, exactly, about trails held in memory: the whole result of an intact
 * trail, each kind of break with its line, entries and message, the anchors, the HMAC cases and the
 * lines too long to be entries.
 */
import { describe, expect, it } from 'vitest';
import { sealEntry, tornTailRecoveryEntry } from '../../src/observe/audit-chain.js';
import { type AuditEntry, formatEntryLine, GENESIS_HASH } from '../../src/observe/audit-entry.js';
import { MAX_AUDIT_LINE_BYTES } from '../../src/observe/audit-file-lines.js';
import type { AuditTrailLine, AuditTrailSource } from '../../src/observe/audit-sink.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { TIME, chainedTrail } from './audit-trail-kit.js';

const entries = chainedTrail;

/** A terminated line, or an unterminated one, or one of the given length (its text cut). */
const line = (text: string, terminated = true): AuditTrailLine => ({
  text,
  bytes: Buffer.byteLength(text),
  terminated,
});
const ofEntry = (entry: AuditEntry): AuditTrailLine => line(formatEntryLine(entry));
const long = (bytes: number, terminated: boolean): AuditTrailLine => ({
  text: 'x'.repeat(MAX_AUDIT_LINE_BYTES),
  bytes,
  terminated,
});

function source(lines: AuditTrailLine[]): AuditTrailSource {
  return {
    target: 'memory',
    lines: async function* () {
      yield* lines;
    },
    checkpoints: async function* () {},
  };
}

const trail = entries(3);
const [e1, e2, e3] = trail as [AuditEntry, AuditEntry, AuditEntry];

describe('verifyAuditLog on an intact trail', () => {
  it('gives the whole result: entries, head, no checkpoints, all uncovered', async () => {
    expect(await verifyAuditLog(source(trail.map(ofEntry)))).toEqual({
      ok: true,
      status: 'ok',
      entries: 3,
      tornTail: false,
      recoveries: 0,
      lastSeq: 3,
      lastHash: e3.hash,
      checkpoints: { checked: 0, lastCount: undefined, signed: false, keyPinned: false },
      uncovered: 3,
    });
  });

  it('reports an empty trail from the genesis hash', async () => {
    expect(await verifyAuditLog(source([]))).toMatchObject({
      ok: true,
      entries: 0,
      lastSeq: 0,
      lastHash: GENESIS_HASH,
      uncovered: 0,
    });
  });

  it('counts recovery entries and reports a torn tail after the last entry', async () => {
    const recovery = tornTailRecoveryEntry(
      { seq: 3, hash: e3.hash },
      { bytes: 9, sha256: 'd'.repeat(64) },
      TIME,
    );
    const lines = [...trail.map(ofEntry), ofEntry(recovery), line('{"seq":5,"ti', false)];
    expect(await verifyAuditLog(source(lines))).toMatchObject({
      ok: true,
      entries: 4,
      tornTail: true,
      recoveries: 1,
      lastSeq: 4,
      lastHash: recovery.hash,
    });
  });

  it('verifies an HMAC trail with its key', async () => {
    const keyed = entries(2, 'key-1');
    expect(await verifyAuditLog(source(keyed.map(ofEntry)), { hmacKey: 'key-1' })).toMatchObject({
      ok: true,
      entries: 2,
      lastHash: keyed[1]!.hash,
    });
  });
});

describe('verifyAuditLog on a broken trail', () => {
  it('names an edited entry, the entries valid before it, and its seq', async () => {
    const edited = { ...e2, userId: 'someone-else' };
    expect(await verifyAuditLog(source([e1, edited, e3].map(ofEntry)))).toEqual({
      ok: false,
      status: 'broken',
      entries: 1,
      brokenAt: {
        line: 2,
        seq: 2,
        reason: 'modified',
        message: 'line 2: its hash does not match its content',
      },
    });
  });

  it('blames an edited first entry once a later entry shows the chain is plain SHA-256', async () => {
    const edited = { ...e1, userId: 'someone-else' };
    expect(await verifyAuditLog(source([edited, e2, e3].map(ofEntry)))).toEqual({
      ok: false,
      status: 'broken',
      entries: 0,
      brokenAt: {
        line: 1,
        seq: 1,
        reason: 'modified',
        message: 'line 1: its hash does not match its content',
      },
    });
  });

  it('passes on the classifier’s reason and message for a gap', async () => {
    const more = entries(4);
    expect(await verifyAuditLog(source([more[0]!, more[1]!, more[3]!].map(ofEntry)))).toEqual({
      ok: false,
      status: 'broken',
      entries: 2,
      brokenAt: {
        line: 3,
        seq: 4,
        reason: 'deleted',
        message: 'line 3: seq 4 where seq 3 was expected: entries 3..3 are missing',
      },
    });
  });

  it('calls a line that is not an entry malformed, with the reason', async () => {
    expect(await verifyAuditLog(source([ofEntry(e1), line('{"seq":2'), ofEntry(e2)]))).toEqual({
      ok: false,
      status: 'broken',
      entries: 1,
      brokenAt: { line: 2, reason: 'malformed', message: 'line 2: is not JSON' },
    });
  });

  it('calls a line longer than any entry malformed, and an unterminated one not a crash', async () => {
    const tooLong = MAX_AUDIT_LINE_BYTES + 1;
    expect(await verifyAuditLog(source([ofEntry(e1), long(tooLong, true), ofEntry(e2)]))).toMatchObject({
      entries: 1,
      brokenAt: {
        line: 2,
        reason: 'malformed',
        message: `line 2: is ${tooLong} bytes long, more than any audit entry (${MAX_AUDIT_LINE_BYTES})`,
      },
    });
    expect(await verifyAuditLog(source([ofEntry(e1), long(tooLong, false)]))).toMatchObject({
      entries: 1,
      brokenAt: {
        line: 2,
        reason: 'malformed',
        message: `line 2: an unterminated last line of ${tooLong} bytes is longer than any audit entry (${MAX_AUDIT_LINE_BYTES}): not a write cut by a crash`,
      },
    });
    // At the limit it is read as a line: not JSON, but a torn write when unterminated.
    expect(await verifyAuditLog(source([ofEntry(e1), long(MAX_AUDIT_LINE_BYTES, true)]))).toMatchObject({
      brokenAt: { line: 2, reason: 'malformed', message: 'line 2: is not JSON' },
    });
    expect(await verifyAuditLog(source([ofEntry(e1), long(MAX_AUDIT_LINE_BYTES, false)]))).toMatchObject({
      ok: true,
      entries: 1,
      tornTail: true,
    });
  });
});

describe('verifyAuditLog anchors', () => {
  it('says how many entries were expected, and when the tail is also cut', async () => {
    const lines = trail.map(ofEntry);
    expect(await verifyAuditLog(source(lines), { expectedEntries: 5 })).toEqual({
      ok: false,
      status: 'broken',
      entries: 3,
      brokenAt: {
        line: 4,
        reason: 'truncated',
        message: 'line 4: the trail holds 3 entries, expected at least 5',
      },
    });
    expect(
      await verifyAuditLog(source([...lines, line('{"s', false)]), { expectedEntries: 4 }),
    ).toMatchObject({
      brokenAt: {
        line: 4,
        reason: 'truncated',
        message: 'line 4: the trail holds 3 entries, expected at least 4 and the last line is cut mid-entry',
      },
    });
    expect(await verifyAuditLog(source(lines), { expectedEntries: 3 })).toMatchObject({ ok: true });
  });

  it('says when no entry has the expected last hash; the genesis hash is always there', async () => {
    const lines = trail.map(ofEntry);
    expect(await verifyAuditLog(source(lines), { expectedLastHash: 'e'.repeat(64) })).toMatchObject({
      brokenAt: { line: 4, reason: 'truncated', message: 'line 4: no entry has the expected last hash' },
    });
    expect(await verifyAuditLog(source(lines), { expectedLastHash: e2.hash })).toMatchObject({ ok: true });
    expect(await verifyAuditLog(source([]), { expectedLastHash: GENESIS_HASH })).toMatchObject({ ok: true });
  });
});

describe('verifyAuditLog and HMAC keys', () => {
  const keyed = entries(3, 'key-1').map(ofEntry);

  it('says a key is needed for an HMAC trail verified without one', async () => {
    expect(await verifyAuditLog(source(keyed))).toEqual({
      ok: false,
      status: 'key-needed',
      entries: 3,
      message: '3 entries are chained with an HMAC key: pass the key to verify them',
    });
  });

  it('tells a wrong key from a trail that has none', async () => {
    expect(await verifyAuditLog(source(keyed), { hmacKey: 'key-2' })).toMatchObject({
      entries: 0,
      brokenAt: {
        line: 1,
        seq: 1,
        reason: 'modified',
        message:
          'line 1: its hash does not match its content (the entry was altered, or the HMAC key differs)',
      },
    });
    expect(await verifyAuditLog(source(trail.map(ofEntry)), { hmacKey: 'key-1' })).toMatchObject({
      brokenAt: {
        line: 1,
        reason: 'modified',
        message:
          'line 1: its hash is plain SHA-256: the trail is not chained with an HMAC key (verify it without one)',
      },
    });
  });

  it('classifies a reordering in an HMAC trail verified without its key', async () => {
    const four = entries(4, 'key-1').map(ofEntry);
    expect(await verifyAuditLog(source([four[0]!, four[1]!, four[3]!, four[2]!]))).toMatchObject({
      ok: false,
      entries: 2,
      brokenAt: { line: 3, seq: 4, reason: 'reordered' },
    });
  });

  it('blames an edited entry of a plain trail even after an unreadable line', async () => {
    const edited = { ...e1, userId: 'someone-else' };
    expect(
      await verifyAuditLog(source([ofEntry(edited), line('garbage'), ofEntry(e2), ofEntry(e3)])),
    ).toMatchObject({ entries: 0, brokenAt: { line: 1, reason: 'modified' } });
  });
});

describe('verifyAuditLog sealing', () => {
  it('refuses an entry resealed with a new seq in place (the chain breaks after it)', async () => {
    const resealed = sealEntry({ ...withoutHash(e2), seq: 7 });
    expect(await verifyAuditLog(source([e1, resealed, e3].map(ofEntry)))).toMatchObject({
      entries: 1,
      brokenAt: { line: 2, seq: 7 },
    });
  });
});

function withoutHash(entry: AuditEntry): Omit<AuditEntry, 'hash'> {
  const { hash: _hash, ...rest } = entry;
  return rest;
}
