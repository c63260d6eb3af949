/**
 * Classifying a chain break from the lines after it: a deletion, an insertion (a copy, a stray entry,
 * or one the chain resumes around), a reordering, or an entry whose predecessor was rewritten.
 */
import { describe, expect, it } from 'vitest';
import { sealEntry } from '../../src/observe/audit-chain.js';
import { type AuditEntry, formatEntryLine } from '../../src/observe/audit-entry.js';
import { ChainBreakSuspect } from '../../src/observe/audit-verify-suspect.js';
import { chainedTrail } from './audit-trail-kit.js';

const trail = chainedTrail;

/**
 * Verifies `lines` as the verifier does after entries 1..`intact` matched: the next line is the
 * suspect, every later line is observed (an entry, or raw text), then the break is classified.
 */
function classify(
  intact: AuditEntry[],
  rest: (AuditEntry | string | { unterminated: AuditEntry })[],
  hashKey: string | undefined | false = undefined,
): [string, string] {
  const [suspect, ...later] = rest as [AuditEntry, ...typeof rest];
  const line = intact.length + 1;
  const last = intact.at(-1)!;
  const s = new ChainBreakSuspect(line, suspect, last.seq + 1, last.hash, hashKey);
  later.forEach((item, i) => {
    if (typeof item === 'string') s.observe(line + 1 + i, item, true);
    else if ('unterminated' in item) s.observe(line + 1 + i, formatEntryLine(item.unterminated), false);
    else s.observe(line + 1 + i, formatEntryLine(item), true);
  });
  return s.classify();
}

const [e1, e2, e3, e4, e5] = trail(5) as [AuditEntry, AuditEntry, AuditEntry, AuditEntry, AuditEntry];

describe('ChainBreakSuspect', () => {
  it('calls a gap a deletion and names the missing entries', () => {
    expect(classify([e1, e2], [e4, e5])).toEqual([
      'deleted',
      'seq 4 where seq 3 was expected: entries 3..3 are missing',
    ]);
    expect(classify([e1], [e5])).toEqual([
      'deleted',
      'seq 5 where seq 2 was expected: entries 2..4 are missing',
    ]);
  });

  it('reads over lines that are not entries, and ignores an unterminated successor', () => {
    expect(classify([e1, e2], [e4, 'not json', { unterminated: e3 }, e5])).toEqual([
      'deleted',
      'seq 4 where seq 3 was expected: entries 3..3 are missing',
    ]);
  });

  it('takes as successor only an entry with the expected seq, prevHash and a matching hash', () => {
    const wrongSeq = sealEntry({ ...withoutHash(e3), seq: 9 });
    const wrongPrev = sealEntry({ ...withoutHash(e3), prevHash: e4.hash });
    const edited = { ...e3, userId: 'someone-else' };
    for (const impostor of [wrongSeq, wrongPrev, edited]) {
      expect(classify([e1, e2], [e4, impostor])[0]).toBe('deleted');
    }
  });

  it('calls an entry with the expected seq but another prevHash a hash mismatch', () => {
    const rewritten = sealEntry({ ...withoutHash(e3), prevHash: e5.hash });
    expect(classify([e1, e2], [rewritten, e4])).toEqual([
      'hash-mismatch',
      'its prevHash is not the hash of the previous entry (one of them was rewritten)',
    ]);
  });

  it('calls an earlier entry with no successor a stray insertion', () => {
    expect(classify([e1, e2, e3], [e1])).toEqual([
      'inserted',
      'seq 1 where seq 4 was expected: this entry does not belong here',
    ]);
  });

  it('calls an entry that appears again later a copy', () => {
    expect(classify([e1, e2], [e4, e3, e4, e5])).toEqual([
      'inserted',
      'seq 4 where seq 3 was expected: a copy of an entry that appears again later',
    ]);
  });

  it('calls an entry the chain resumes around an insertion', () => {
    const stray = sealEntry({ ...withoutHash(e4), prevHash: 'f'.repeat(64) });
    expect(classify([e1, e2], [stray, e3, e4, e5])).toEqual([
      'inserted',
      'seq 4 where seq 3 was expected: the chain resumes on the next line without it',
    ]);
  });

  it('calls entries swapped a reordering and names the line of the expected one (the first seen)', () => {
    expect(classify([e1, e2], [e4, e3, e5])).toEqual([
      'reordered',
      'seq 4 where seq 3 was expected: entry 3 is on line 4',
    ]);
    expect(classify([e1, e2], [e5, e4, e3, e3])).toEqual([
      'reordered',
      'seq 5 where seq 3 was expected: entry 3 is on line 5',
    ]);
  });

  it('checks a successor with the HMAC key, or not at all when the key is missing', () => {
    const [k1, k2, k3, k4] = trail(4, 'key-1') as [AuditEntry, AuditEntry, AuditEntry, AuditEntry];
    expect(classify([k1, k2], [k4, k3], 'key-1')[0]).toBe('reordered');
    expect(classify([k1, k2], [k4, k3], false)[0]).toBe('reordered');
    expect(classify([k1, k2], [k4, k3], undefined)[0]).toBe('deleted');
    expect(classify([k1, k2], [k4, k3], 'key-2')[0]).toBe('deleted');
  });
});

function withoutHash(entry: AuditEntry): Omit<AuditEntry, 'hash'> {
  const { hash: _hash, ...rest } = entry;
  return rest;
}
