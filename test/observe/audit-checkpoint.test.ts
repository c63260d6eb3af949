import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealEntry } from '../../src/observe/audit-chain.js';
import {
  checkpointLineHash,
  formatCheckpointLine,
  makeCheckpoint,
  readCheckpointLine,
  type AuditCheckpoint,
} from '../../src/observe/audit-checkpoint.js';
import { checkpointPathFor } from '../../src/observe/audit-checkpoint-file.js';
import { formatEntryLine, type AuditEntry } from '../../src/observe/audit-entry.js';
import { AuditLog, type AuditLogOptions } from '../../src/observe/audit-log.js';
import { describeAuditVerification } from '../../src/observe/audit-report.js';
import {
  generateAuditKeyPair,
  loadAuditPublicKey,
  loadAuditSigningKey,
} from '../../src/observe/audit-signing-key.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { canonicalJson, promptHash } from '../../src/observe/canonical-json.js';

let dir: string;
let counter = 0;
const pair = generateAuditKeyPair();
const otherPair = generateAuditKeyPair();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-checkpoint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fields = (i: number) => ({
  conversationId: `conv-${i}`,
  assistantId: 'assistant-1',
  promptHash: promptHash({ i }),
  userId: 'u',
});

/** Writes `count` entries one by one (so checkpoints land every `every`), then closes. */
async function writeTrail(
  count: number,
  options: AuditLogOptions = {},
): Promise<{ path: string; lines: string[]; checkpoints: string[] }> {
  const path = join(dir, `trail-${++counter}.jsonl`);
  const log = await AuditLog.open(path, { checkpointEvery: 100, ...options });
  for (let i = 0; i < count; i += 1) await log.append(fields(i));
  await log.close();
  return { path, lines: await linesOf(path), checkpoints: await linesOf(checkpointPathFor(path)) };
}

async function linesOf(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8')).split('\n').slice(0, -1);
}

const text = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

describe('signed checkpoints', () => {
  it('are written every N entries and at close, chained and signed, and the verifier says what it proved', async () => {
    const { path, checkpoints } = await writeTrail(300, { signingKey: pair.privateKeyPem });
    const parsed = checkpoints.map((l) => readCheckpointLine(l).checkpoint!);
    expect(parsed.map((c) => c.count)).toEqual([0, 100, 200, 300]);
    expect(parsed.every((c) => c.keyId === pair.keyId && c.signature !== undefined)).toBe(true);
    for (let i = 1; i < parsed.length; i += 1) {
      expect(parsed[i]!.prevHash).toBe(checkpointLineHash(checkpoints[i - 1]!));
    }
    const pinned = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
    expect(pinned).toMatchObject({
      ok: true,
      entries: 300,
      uncovered: 0,
      checkpoints: { checked: 4, lastCount: 300, signed: true, keyId: pair.keyId, keyPinned: true },
    });
    expect(describeAuditVerification(pinned)).toBe(
      `OK: 300 entries, signed checkpoint at 300 (key ${pair.keyId.slice(0, 8)}…)`,
    );
    const unpinned = await verifyAuditLog(path);
    expect(describeAuditVerification(unpinned)).toBe(
      `OK: 300 entries, signed checkpoint at 300 (key ${pair.keyId.slice(0, 8)}…, not pinned: check it is your key)`,
    );
  });

  it('without a key are unsigned, and the verifier says what that does not prove', async () => {
    const { path } = await writeTrail(300);
    const result = await verifyAuditLog(path);
    expect(result).toMatchObject({ ok: true, entries: 300, checkpoints: { signed: false } });
    expect(describeAuditVerification(result)).toBe(
      'OK: 300 entries — unsigned: proves no accidental damage, not the absence of a rewrite',
    );
  });

  it('detect a trail cut to its first 100 lines (truncated)', async () => {
    const { path, lines } = await writeTrail(300, { signingKey: pair.privateKeyPem });
    await writeFile(path, text(lines.slice(0, 100)));
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: false,
      entries: 100,
      brokenAt: { line: 101, reason: 'truncated' },
    });
    await expect(AuditLog.open(path, { signingKey: pair.privateKeyPem })).rejects.toMatchObject({
      code: 'audit.log.truncated',
    });
  });

  it('call a cut in the middle of an entry a truncation, not a crash, before the last checkpoint', async () => {
    const { path, lines } = await writeTrail(10, { signingKey: pair.privateKeyPem });
    const cut = text(lines.slice(0, 6)) + lines[6]!.slice(0, 40);
    await writeFile(path, cut);
    const result = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
    expect(result).toMatchObject({ ok: false, entries: 6, brokenAt: { reason: 'truncated' } });
    // The next writer refuses to turn the cut into a recovery entry.
    await expect(AuditLog.open(path, { signingKey: pair.privateKeyPem })).rejects.toMatchObject({
      code: 'audit.log.truncated',
    });
    expect(await readFile(path, 'utf8')).toBe(cut);
  });

  it('call a torn line after the last checkpoint a crash, and the next writer records it', async () => {
    const { path } = await writeTrail(10, { signingKey: pair.privateKeyPem });
    await appendFile(path, '{"assistantId":"assistant-1","conversationId":"conv-');
    const torn = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
    expect(torn).toMatchObject({ ok: true, entries: 10, tornTail: true });
    expect(describeAuditVerification(torn)).toContain('a torn last line after the last checkpoint (a crash');
    const log = await AuditLog.open(path, { signingKey: pair.privateKeyPem });
    expect(log.recoveredTornTail).toMatchObject({ seq: 11 });
    await log.append(fields(99));
    await log.close();
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: true,
      entries: 12,
      recoveries: 1,
      checkpoints: { lastCount: 12 },
    });
  });

  it('detect a chain rewritten from line 3 on, with every hash recomputed (rewritten)', async () => {
    const { path, lines } = await writeTrail(300, { signingKey: pair.privateKeyPem });
    const entries = lines.map((l) => JSON.parse(l) as AuditEntry);
    let prev = entries[1]!.hash;
    const rewritten = entries.map((e, i) => {
      if (i < 2) return formatEntryLine(e);
      const { hash: _h, ...rest } = e;
      const sealed = sealEntry({ ...rest, userId: i === 2 ? 'mallory' : e.userId, prevHash: prev });
      prev = sealed.hash;
      return formatEntryLine(sealed);
    });
    await writeFile(path, text(rewritten));
    // The chain alone is consistent: only the checkpoints can tell.
    const none = join(dir, `none-${counter}`);
    await writeFile(none, '');
    expect(await verifyAuditLog(path, { checkpoints: none })).toMatchObject({ ok: true, entries: 300 });
    const result = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
    expect(result).toMatchObject({ ok: false, entries: 100, brokenAt: { line: 100, reason: 'rewritten' } });
    if (result.status === 'broken')
      expect(result.brokenAt.message).toContain('entries from 1 on were rewritten');
    await expect(AuditLog.open(path, { signingKey: pair.privateKeyPem })).rejects.toMatchObject({
      code: 'audit.log.corrupt',
    });
  });

  it('detect an edited, re-signed, unchained or dropped checkpoint (checkpoint-forged)', async () => {
    const { path, checkpoints } = await writeTrail(300, { signingKey: pair.privateKeyPem });
    const cpPath = checkpointPathFor(path);
    const original = text(checkpoints);
    const forged = async (lines: string[]): Promise<unknown> => {
      await writeFile(cpPath, text(lines));
      const result = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
      await writeFile(cpPath, original);
      return result;
    };
    const second = readCheckpointLine(checkpoints[2]!).checkpoint!;
    // Its count edited: the signature no longer verifies.
    const edited = formatCheckpointLine({ ...second, count: 150 });
    expect(await forged([checkpoints[0]!, checkpoints[1]!, edited, checkpoints[3]!])).toMatchObject({
      ok: false,
      brokenAt: { reason: 'checkpoint-forged' },
    });
    // Re-signed by another key.
    const otherKey = (await loadAuditSigningKey({ key: otherPair.privateKeyPem }))!;
    const { keyId: _k, publicKey: _p, signature: _s, ...body } = second;
    const resigned = formatCheckpointLine(makeCheckpoint(body, otherKey));
    expect(await forged([checkpoints[0]!, checkpoints[1]!, resigned, checkpoints[3]!])).toMatchObject({
      ok: false,
      brokenAt: { reason: 'checkpoint-forged' },
    });
    // One dropped from the middle: the chain of checkpoints breaks.
    expect(await forged([checkpoints[0]!, checkpoints[1]!, checkpoints[3]!])).toMatchObject({
      ok: false,
      brokenAt: { reason: 'checkpoint-forged' },
    });
    // All of them replaced by unsigned ones: nothing is signed by the pinned key.
    await writeFile(cpPath, '');
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: false,
      brokenAt: { reason: 'checkpoint-forged' },
    });
    await writeFile(cpPath, original);
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({ ok: true });
  });

  it('verify against a copy of the checkpoints kept elsewhere, which still holds what the local one lost', async () => {
    const { path, lines, checkpoints } = await writeTrail(300, { signingKey: pair.privateKeyPem });
    const copy = join(dir, 'off-host.checkpoints');
    await writeFile(copy, text(checkpoints));
    // Trail and local checkpoints both cut back to 100 entries: consistent with each other.
    await writeFile(path, text(lines.slice(0, 100)));
    await writeFile(checkpointPathFor(path), text(checkpoints.slice(0, 2)));
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: true,
      entries: 100,
    });
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem, checkpoints: copy })).toMatchObject({
      ok: false,
      brokenAt: { reason: 'truncated' },
    });
  });

  it('say an entry appended after the last checkpoint is proven by the chain only', async () => {
    const { path, lines } = await writeTrail(100, { signingKey: pair.privateKeyPem });
    const last = JSON.parse(lines.at(-1)!) as AuditEntry;
    const forgedEntry = sealEntry({
      ...fields(1000),
      timestamp: last.timestamp,
      eventType: 'AI_PROMPT_INJECTION',
      complianceStatus: 'AUDITED',
      seq: 101,
      prevHash: last.hash,
    });
    await appendFile(path, `${formatEntryLine(forgedEntry)}\n`);
    const result = await verifyAuditLog(path, { publicKey: pair.publicKeyPem });
    expect(result).toMatchObject({ ok: true, entries: 101, uncovered: 1 });
    expect(describeAuditVerification(result)).toContain(
      'the last 1 entries come after it and are proven by the chain only',
    );
  });

  it('are written every interval when entries were appended, and handed to onCheckpoint', async () => {
    const path = join(dir, `interval-${++counter}.jsonl`);
    const seen: AuditCheckpoint[] = [];
    const log = await AuditLog.open(path, {
      signingKey: pair.privateKeyPem,
      checkpointIntervalMs: 20,
      onCheckpoint: (c) => {
        seen.push(c);
      },
    });
    await log.append(fields(1));
    await log.append(fields(2));
    for (let i = 0; i < 500 && !seen.some((c) => c.count === 2); i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen.map((c) => c.count)).toEqual([0, 2]);
    await log.close();
    // Nothing new since: close adds no checkpoint.
    expect(seen).toHaveLength(2);
    expect(await linesOf(checkpointPathFor(path))).toHaveLength(2);
  });

  it('refuse a writer with another signing key, or with the wrong HMAC mode', async () => {
    const { path } = await writeTrail(5, { signingKey: pair.privateKeyPem });
    await expect(AuditLog.open(path, { signingKey: otherPair.privateKeyPem })).rejects.toMatchObject({
      code: 'audit.key.mismatch',
    });
    await expect(AuditLog.open(path, { signingKey: pair.privateKeyPem, hmacKey: 'k' })).rejects.toMatchObject(
      { code: 'audit.key.mismatch' },
    );
    const keyed = await writeTrail(5, { hmacKey: 'k' });
    await expect(AuditLog.open(keyed.path)).rejects.toMatchObject({ code: 'audit.key.mismatch' });
    // A writer without a signing key may append to a signed trail, but adds no unsigned checkpoint.
    const log = await AuditLog.open(path);
    await log.append(fields(7));
    await log.close();
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: true,
      entries: 6,
      uncovered: 1,
    });
  });

  it('load keys from PEM text or a file, and refuse anything else with a typed error', async () => {
    const keyFile = join(dir, 'k.key');
    await writeFile(keyFile, pair.privateKeyPem);
    expect((await loadAuditSigningKey({ keyFile }))!.publicKey.keyId).toBe(pair.keyId);
    expect(
      (await loadAuditSigningKey({}, { GENESYS_AUDIT_SIGNING_KEY_FILE: keyFile }))!.publicKey.keyId,
    ).toBe(pair.keyId);
    expect(await loadAuditSigningKey({}, {})).toBeUndefined();
    expect((await loadAuditPublicKey({ key: pair.privateKeyPem }))!.keyId).toBe(pair.keyId);
    await expect(loadAuditSigningKey({ key: pair.publicKeyPem })).rejects.toMatchObject({
      code: 'audit.key.invalid',
    });
    await expect(loadAuditSigningKey({ keyFile: join(dir, 'missing.key') })).rejects.toMatchObject({
      code: 'audit.key.unreadable',
    });
    const error = await loadAuditSigningKey({ key: 'not a key at all' }).catch((e: Error) => e);
    expect(String(error)).not.toContain('not a key at all');
  });
});

describe('strict lines', () => {
  it('refuse duplicate keys, reordered keys and changed whitespace (malformed)', async () => {
    const { path, lines } = await writeTrail(3);
    const second = lines[1]!;
    const entry = JSON.parse(second) as Record<string, unknown>;
    const variants = [
      // The same value twice: JSON.parse keeps one, the bytes differ.
      second.replace('"userId":"u"', '"userId":"u","userId":"u"'),
      JSON.stringify(Object.fromEntries(Object.entries(entry).reverse())),
      JSON.stringify(entry, null, 1).replace(/\n/g, ''),
      second.replace('{', '{ '),
    ];
    for (const variant of variants) {
      expect(variant).not.toBe(second);
      expect(canonicalJson(JSON.parse(variant))).toBe(second);
      await writeFile(path, text([lines[0]!, variant, lines[2]!]));
      expect(await verifyAuditLog(path)).toMatchObject({
        ok: false,
        entries: 1,
        brokenAt: { line: 2, reason: 'malformed' },
      });
    }
  });

  it('reject a 64 MB line as malformed, with or without a newline, reading it once', async () => {
    const { path, lines } = await writeTrail(2);
    await writeFile(path, text(lines) + 'x'.repeat(64 * 1024 * 1024) + '\n');
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      entries: 2,
      brokenAt: { line: 3, reason: 'malformed' },
    });
    await writeFile(path, text(lines) + 'x'.repeat(64 * 1024 * 1024));
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      entries: 2,
      brokenAt: { line: 3, reason: 'malformed' },
    });
  });
});

describe('an HMAC-chained trail', () => {
  it('verified without its key says a key is needed, not that it was altered', async () => {
    const { path } = await writeTrail(20, { hmacKey: 'secret' });
    const result = await verifyAuditLog(path);
    expect(result).toMatchObject({ ok: false, status: 'key-needed', entries: 20 });
    expect(describeAuditVerification(result)).toMatch(/^KEY NEEDED: 20 entries are chained with an HMAC key/);
    expect(await verifyAuditLog(path, { hmacKey: 'secret' })).toMatchObject({ ok: true, entries: 20 });
  });

  it('verified without its key still reports a plain trail whose first entry was edited', async () => {
    const { path, lines } = await writeTrail(5);
    const first = JSON.parse(lines[0]!) as AuditEntry;
    await writeFile(path, text([canonicalJson({ ...first, userId: 'mallory' }), ...lines.slice(1)]));
    expect(await verifyAuditLog(path)).toMatchObject({
      ok: false,
      brokenAt: { line: 1, reason: 'modified' },
    });
  });
});
