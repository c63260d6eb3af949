/**
 * What `verifyAuditLog` says about a trail against its checkpoints, exactly, with trails and
 * checkpoints held in memory: what they proved, a head or a size that does not match (rewritten), a
 * trail shorter than a checkpoint (truncated), a checkpoint line that breaks the rules or a pinned key
 * that signed none (checkpoint-forged), and what a checkpoint says about the chain's HMAC mode.
 */
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainEntries, EMPTY_CHAIN_HEAD } from '../../src/observe/audit-chain.js';
import {
  type AuditCheckpointBody,
  checkpointLineHash,
  formatCheckpointLine,
  makeCheckpoint,
  shortKeyId,
} from '../../src/observe/audit-checkpoint.js';
import { type AuditEntry, formatEntryLine, GENESIS_HASH } from '../../src/observe/audit-entry.js';
import { MAX_AUDIT_LINE_BYTES } from '../../src/observe/audit-file-lines.js';
import type { AuditTrailLine, AuditTrailSource } from '../../src/observe/audit-sink.js';
import {
  type AuditSigningKey,
  generateAuditKeyPair,
  loadAuditPublicKey,
  loadAuditSigningKey,
} from '../../src/observe/audit-signing-key.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';

const TIME = '2026-11-26T00:00:00.000Z';
const pair = generateAuditKeyPair();
const signingKey = (await loadAuditSigningKey({ key: pair.privateKeyPem }))!;

function entries(n: number, hmacKey?: string): AuditEntry[] {
  const fields = Array.from({ length: n }, (_, i) => ({
    conversationId: `conv-${i + 1}`,
    assistantId: 'assistant-1',
    promptHash: (i + 1).toString(16).padStart(64, '0'),
    userId: 'u',
  }));
  return chainEntries(EMPTY_CHAIN_HEAD, fields, TIME, hmacKey).entries;
}

const line = (text: string, terminated = true): AuditTrailLine => ({
  text,
  bytes: Buffer.byteLength(text),
  terminated,
});

/** The trail's lines, and the checkpoint body at each count (its head and size on disk). */
function trailOf(list: AuditEntry[]) {
  const lines = list.map((e) => line(formatEntryLine(e)));
  const at = (count: number, changes: Partial<AuditCheckpointBody> = {}): AuditCheckpointBody => ({
    count,
    headHash: count === 0 ? GENESIS_HASH : list[count - 1]!.hash,
    time: TIME,
    prevHash: GENESIS_HASH,
    trailBytes: lines.slice(0, count).reduce((sum, l) => sum + l.bytes + 1, 0),
    ...changes,
  });
  return { lines, at };
}

/** Checkpoint lines chained one to the next, signed when a key is given. */
function checkpointLines(bodies: AuditCheckpointBody[], key?: AuditSigningKey): AuditTrailLine[] {
  let prevHash = GENESIS_HASH;
  return bodies.map((body) => {
    const text = formatCheckpointLine(makeCheckpoint({ ...body, prevHash }, key));
    prevHash = checkpointLineHash(text);
    return line(text);
  });
}

function source(lines: AuditTrailLine[], checkpoints: AuditTrailLine[]): AuditTrailSource {
  return {
    target: 'memory',
    lines: async function* () {
      yield* lines;
    },
    checkpoints: async function* () {
      yield* checkpoints;
    },
  };
}

const { lines, at } = trailOf(entries(3));

describe('verifyAuditLog against checkpoints', () => {
  it('says what unsigned checkpoints proved and how many entries came after the last', async () => {
    const result = await verifyAuditLog(source(lines, checkpointLines([at(0), at(2)])));
    expect(result).toMatchObject({ ok: true, entries: 3, uncovered: 1 });
    expect(result.ok && result.checkpoints).toEqual({
      checked: 2,
      lastCount: 2,
      signed: false,
      keyPinned: false,
    });
  });

  it('says which key signed them, and whether it is the pinned one, however the key is given', async () => {
    const signed = checkpointLines([at(0), at(3)], signingKey);
    const proof = { checked: 2, lastCount: 3, signed: true, keyId: pair.keyId };
    const unpinned = await verifyAuditLog(source(lines, signed));
    expect(unpinned).toMatchObject({ ok: true, uncovered: 0, checkpoints: { ...proof, keyPinned: false } });
    const loaded = (await loadAuditPublicKey({ key: pair.publicKeyPem }))!;
    for (const publicKey of [pair.publicKeyPem, createPublicKey(pair.publicKeyPem), loaded]) {
      expect(await verifyAuditLog(source(lines, signed), { publicKey })).toMatchObject({
        ok: true,
        checkpoints: { ...proof, keyPinned: true },
      });
    }
  });

  it('names the entry whose head a checkpoint contradicts, and where the rewrite may start', async () => {
    const otherHead = at(2, { headHash: 'e'.repeat(64) });
    expect(await verifyAuditLog(source(lines, checkpointLines([at(0), otherHead])))).toEqual({
      ok: false,
      status: 'broken',
      entries: 2,
      brokenAt: {
        line: 2,
        reason: 'rewritten',
        message: 'line 2: entry 2 is not the one checkpoint 2 names: entries from 1 on were rewritten',
      },
    });
    const afterOne = checkpointLines([at(0), at(1), at(3, { headHash: 'e'.repeat(64) })]);
    expect(await verifyAuditLog(source(lines, afterOne))).toMatchObject({
      brokenAt: {
        line: 3,
        reason: 'rewritten',
        message: 'line 3: entry 3 is not the one checkpoint 3 names: entries from 2 on were rewritten',
      },
    });
  });

  it('names a trail whose size up to a checkpoint differs from what it recorded', async () => {
    const bytes = at(2).trailBytes!;
    const wrongSize = checkpointLines([at(2, { trailBytes: bytes + 1 })]);
    expect(await verifyAuditLog(source(lines, wrongSize))).toMatchObject({
      entries: 2,
      brokenAt: {
        line: 2,
        reason: 'rewritten',
        message: `line 2: the trail up to entry 2 is ${bytes} bytes, checkpoint 1 says ${bytes + 1}: entries from 1 on were rewritten`,
      },
    });
    // A checkpoint without a size (a database trail) checks the head only.
    const noSize = checkpointLines([at(2, { trailBytes: undefined })]);
    expect(await verifyAuditLog(source(lines, noSize))).toMatchObject({ ok: true, entries: 3 });
  });

  it('says how many entries a checkpoint counts beyond the trail, and whether a key signed it', async () => {
    const cut = lines.slice(0, 2);
    const beyond = [at(0), at(3)];
    expect(await verifyAuditLog(source(cut, checkpointLines(beyond)))).toEqual({
      ok: false,
      status: 'broken',
      entries: 2,
      brokenAt: {
        line: 3,
        reason: 'truncated',
        message: 'line 3: the trail holds 2 entries but a checkpoint counts 3',
      },
    });
    const torn = [...cut, line('{"seq":3', false)];
    expect(await verifyAuditLog(source(torn, checkpointLines(beyond, signingKey)))).toMatchObject({
      brokenAt: {
        line: 3,
        reason: 'truncated',
        message: `line 3: the trail holds 2 entries but a checkpoint signed by key ${shortKeyId(pair.keyId)} counts 3 and the last line is cut mid-entry`,
      },
    });
  });

  it('calls a checkpoint line that breaks the rules forged, naming it, and ignores a torn last one', async () => {
    const [first] = checkpointLines([at(0)]);
    expect(await verifyAuditLog(source(lines, [first!, line('nonsense')]))).toEqual({
      ok: false,
      status: 'broken',
      entries: 0,
      brokenAt: { line: 1, reason: 'checkpoint-forged', message: 'line 1: checkpoint 2 is not JSON' },
    });
    const tooLong = { text: 'x', bytes: MAX_AUDIT_LINE_BYTES + 1, terminated: true };
    expect(await verifyAuditLog(source(lines, [tooLong]))).toMatchObject({
      brokenAt: { line: 1, reason: 'checkpoint-forged', message: 'line 1: checkpoint 1 is too long' },
    });
    const torn = line(formatCheckpointLine(makeCheckpoint(at(3))).slice(0, 20), false);
    expect(await verifyAuditLog(source(lines, [first!, torn]))).toMatchObject({
      ok: true,
      checkpoints: { checked: 1, lastCount: 0 },
    });
  });

  it('calls checkpoints that the pinned key signed none of forged', async () => {
    const loaded = (await loadAuditPublicKey({ key: pair.publicKeyPem }))!;
    expect(
      await verifyAuditLog(source(lines, checkpointLines([at(0), at(3)])), { publicKey: loaded }),
    ).toMatchObject({
      entries: 3,
      brokenAt: {
        line: 4,
        reason: 'checkpoint-forged',
        message: `line 4: no checkpoint is signed by key ${shortKeyId(pair.keyId)} (the checkpoints are missing or were replaced)`,
      },
    });
  });

  it('takes the chain mode from the checkpoints when no key is given', async () => {
    // A plain trail whose only entry was edited: the checkpoint says the chain is plain.
    const [only] = entries(1);
    const edited = line(formatEntryLine({ ...only!, userId: 'someone-else' }));
    expect(await verifyAuditLog(source([edited], checkpointLines([at(0)])))).toMatchObject({
      entries: 0,
      brokenAt: { line: 1, reason: 'modified', message: 'line 1: its hash does not match its content' },
    });
    // Without checkpoints the same line could be an HMAC entry: a key is needed.
    expect(await verifyAuditLog(source([edited], []))).toMatchObject({ status: 'key-needed' });
    // An HMAC trail whose checkpoints say so: a key is needed, nothing is called altered.
    const keyed = trailOf(entries(2, 'key-1'));
    const hmac = checkpointLines([keyed.at(0, { chain: 'hmac-sha256' })]);
    expect(await verifyAuditLog(source(keyed.lines, hmac))).toMatchObject({
      status: 'key-needed',
      entries: 2,
    });
  });
});
