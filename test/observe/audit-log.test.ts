import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GenesysPromptError, ValidationError } from '../../src/errors.js';
import {
  AUDIT_EVENT_TORN_TAIL_RECOVERED,
  GENESIS_HASH,
  type AuditEntry,
} from '../../src/observe/audit-entry.js';
import { generateAuditLog } from '../../src/observe/audit-generate.js';
import { AuditLog, type AuditAppendFields } from '../../src/observe/audit-log.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { promptHash } from '../../src/observe/canonical-json.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-log-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

const fields = (i: number, extra: Partial<AuditAppendFields> = {}): AuditAppendFields => ({
  conversationId: `conv-${i}`,
  assistantId: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  promptHash: promptHash({ i }),
  userId: 'system-automation',
  ...extra,
});

async function readEntries(path: string): Promise<AuditEntry[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as AuditEntry);
}

/** The prototype of fs FileHandle, to count syncs. */
async function fileHandlePrototype(path: string): Promise<{ datasync: () => Promise<void> }> {
  const handle = await open(path, 'w');
  const proto = Object.getPrototypeOf(handle) as { datasync: () => Promise<void> };
  await handle.close();
  return proto;
}

describe('AuditLog', () => {
  it('creates the directory and file and chains entries from the genesis hash', async () => {
    const path = join(dir, 'nested', 'audit.jsonl');
    const log = await AuditLog.open(path, { now: () => new Date('2025-01-02T03:04:05.000Z') });
    const first = await log.append(fields(1));
    const second = await log.append(
      fields(2, { complianceStatus: 'FAILED', errorCode: 'too.many.requests.retry.after' }),
    );
    await log.close();

    const [a, b] = await readEntries(path);
    expect(first).toEqual({ seq: 1, hash: a!.hash });
    expect(second).toEqual({ seq: 2, hash: b!.hash });
    expect(a).toMatchObject({
      seq: 1,
      timestamp: '2025-01-02T03:04:05.000Z',
      eventType: 'AI_PROMPT_INJECTION',
      conversationId: 'conv-1',
      complianceStatus: 'AUDITED',
      prevHash: GENESIS_HASH,
    });
    expect(a).not.toHaveProperty('errorCode');
    expect(b).toMatchObject({
      seq: 2,
      complianceStatus: 'FAILED',
      errorCode: 'too.many.requests.retry.after',
      prevHash: a!.hash,
    });
    const { hash, ...rest } = a!;
    const canonical = JSON.stringify(
      Object.fromEntries(Object.entries(rest).sort(([x], [y]) => (x < y ? -1 : 1))),
    );
    expect(hash).toBe(
      createHash('sha256')
        .update(GENESIS_HASH + canonical)
        .digest('hex'),
    );
    expect(await verifyAuditLog(path)).toEqual({
      ok: true,
      status: 'ok',
      entries: 2,
      tornTail: false,
      recoveries: 0,
      lastSeq: 2,
      lastHash: b!.hash,
      // One checkpoint when the trail was created, one at close.
      checkpoints: { checked: 2, lastCount: 2, signed: false, keyPinned: false },
      uncovered: 0,
    });
  });

  it('records a failure before the conversation exists with a null conversationId', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    await log.append(
      fields(1, { conversationId: null, complianceStatus: 'FAILED', errorCode: 'invalid.input' }),
    );
    await log.close();
    expect((await readEntries(path))[0]).toMatchObject({ conversationId: null, errorCode: 'invalid.input' });
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });

  it('continues the chain after reopening', async () => {
    const path = join(dir, 'audit.jsonl');
    const first = await AuditLog.open(path);
    await first.append(fields(1));
    await first.close();
    const second = await AuditLog.open(path);
    expect(second.lastSeq).toBe(1);
    expect(second.recoveredTornTail).toBeUndefined();
    expect((await second.append(fields(2))).seq).toBe(2);
    await second.close();
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 2 });
  });

  it('group-commits 200 concurrent appends: file order is seq order, few syncs, all verified', async () => {
    const path = join(dir, 'audit.jsonl');
    const proto = await fileHandlePrototype(join(dir, 'probe'));
    const syncs = vi.spyOn(proto, 'datasync');
    const log = await AuditLog.open(path);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(fields(i))));
    // Appends made while a batch is being written form the next batch.
    const first = log.append(fields(1000));
    await new Promise((r) => setImmediate(r));
    const more = await Promise.all([
      first,
      ...Array.from({ length: 20 }, (_, i) => log.append(fields(2000 + i))),
    ]);
    await log.close();

    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(more.map((r) => r.seq)).toEqual(Array.from({ length: 21 }, (_, i) => 201 + i));
    // At most 4 batches of entries, plus the checkpoints written at creation and at close.
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(6);
    const entries = await readEntries(path);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 221 }, (_, i) => i + 1));
    expect(entries.map((e) => e.conversationId).slice(0, 200)).toEqual(results.map((_, i) => `conv-${i}`));
    expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 221, tornTail: false });
  });

  it('resolves an append only after the data is synced', async () => {
    const path = join(dir, 'audit.jsonl');
    const proto = await fileHandlePrototype(join(dir, 'probe'));
    const order: string[] = [];
    const original = proto.datasync;
    vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      await original.call(this);
      order.push('synced');
    });
    const log = await AuditLog.open(path);
    order.length = 0; // the first checkpoint's sync, at creation
    await log.append(fields(1)).then(() => order.push('resolved'));
    await log.close();
    // The entry's sync, the answer, then the last checkpoint's sync at close.
    expect(order).toEqual(['synced', 'resolved', 'synced']);
  });

  it('fails the batch and refuses further appends when the disk refuses', async () => {
    const path = join(dir, 'audit.jsonl');
    const proto = await fileHandlePrototype(join(dir, 'probe'));
    const log = await AuditLog.open(path);
    vi.spyOn(proto, 'datasync').mockRejectedValue(
      Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }),
    );
    const outcomes = await Promise.allSettled([log.append(fields(1)), log.append(fields(2))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    const error = (outcomes[0] as PromiseRejectedResult).reason as GenesysPromptError;
    expect(error).toBeInstanceOf(GenesysPromptError);
    expect(error.code).toBe('audit.write.failed');
    await expect(log.append(fields(3))).rejects.toMatchObject({ code: 'audit.write.failed' });
    await log.close();
  });

  it('refuses appends after close', async () => {
    const log = await AuditLog.open(join(dir, 'audit.jsonl'));
    await log.close();
    await log.close();
    await expect(log.append(fields(1))).rejects.toMatchObject({ code: 'audit.closed' });
  });

  describe('only hashes and identifiers reach the file', () => {
    const prompt = 'My card number is 4111 1111 1111 1111, please refund';

    it('refuses unknown fields, free text as a hash or identifier, and a FAILED without code', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path);
      const bad: Array<Record<string, unknown>> = [
        { ...fields(1), prompt },
        { ...fields(1), variables: { card: '4111' } },
        { ...fields(1), promptHash: prompt },
        { ...fields(1), userId: prompt },
        { ...fields(1), conversationId: 'has space' },
        { ...fields(1), complianceStatus: 'FAILED' },
        { ...fields(1), complianceStatus: 'FAILED', errorCode: prompt },
        { ...fields(1), errorCode: 'x' },
        { ...fields(1), complianceStatus: 'MAYBE' },
        { ...fields(1), eventType: 'lower case' },
        { ...fields(1), eventType: AUDIT_EVENT_TORN_TAIL_RECOVERED },
      ];
      for (const entry of bad) {
        await expect(log.append(entry as unknown as AuditAppendFields)).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
      await log.append(fields(1));
      await log.close();
      const text = await readFile(path, 'utf8');
      expect(text).not.toContain('4111');
      expect(text.trim().split('\n')).toHaveLength(1);
    });
  });

  describe('torn tail (crash mid-write)', () => {
    it('reopening overwrites the fragment with a recovery entry and continues a valid chain', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path);
      await Promise.all([1, 2, 3].map((i) => log.append(fields(i))));
      await log.close();
      const fragment =
        '{"assistantId":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","conversationId":"conv-4","errorC';
      await appendFile(path, fragment);
      expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 3, tornTail: true });

      const reopened = await AuditLog.open(path);
      const sha256 = createHash('sha256').update(fragment).digest('hex');
      expect(reopened.recoveredTornTail).toEqual({ bytes: fragment.length, sha256, seq: 4 });
      expect(await reopened.append(fields(5))).toMatchObject({ seq: 5 });
      await reopened.close();

      const entries = await readEntries(path);
      expect(entries[3]).toMatchObject({
        seq: 4,
        eventType: AUDIT_EVENT_TORN_TAIL_RECOVERED,
        tornBytes: fragment.length,
        tornSha256: sha256,
      });
      expect(entries[3]!.prevHash).toBe(entries[2]!.hash);
      expect(await readFile(path, 'utf8')).not.toContain('errorC"');
      expect(await verifyAuditLog(path)).toMatchObject({
        ok: true,
        entries: 5,
        tornTail: false,
        recoveries: 1,
      });
    });

    it('truncates a fragment longer than the recovery entry, and recovers a torn first write', async () => {
      const path = join(dir, 'audit.jsonl');
      await writeFile(path, 'x'.repeat(50_000)); // no newline at all: the very first write was torn
      const log = await AuditLog.open(path);
      expect(log.recoveredTornTail).toMatchObject({ bytes: 50_000, seq: 1 });
      await log.append(fields(2));
      await log.close();
      const text = await readFile(path, 'utf8');
      expect(text).not.toContain('xxx');
      expect((await readEntries(path))[0]!.prevHash).toBe(GENESIS_HASH);
      expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 2, recoveries: 1 });
    });

    it('recovers again after a crash during recovery (a torn recovery entry over the old fragment)', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path);
      await log.append(fields(1));
      await log.close();
      const complete = await readFile(path, 'utf8');
      await writeFile(path, `${complete}{"assistantId":null,"conversationId":nu${'z'.repeat(500)}`);
      const reopened = await AuditLog.open(path);
      await reopened.append(fields(3));
      await reopened.close();
      expect(await verifyAuditLog(path)).toMatchObject({ ok: true, entries: 3, recoveries: 1 });
    });

    it('refuses to take an unterminated tail longer than any entry for a torn write', async () => {
      const path = join(dir, 'audit.jsonl');
      await writeFile(path, 'x'.repeat(70_000));
      await expect(AuditLog.open(path)).rejects.toMatchObject({ code: 'audit.log.corrupt' });
      expect(await readFile(path, 'utf8')).toBe('x'.repeat(70_000));
    });

    it('refuses to open a file whose last complete line is not a valid entry', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path);
      await log.append(fields(1));
      await log.close();
      await appendFile(path, 'garbage\n');
      await expect(AuditLog.open(path)).rejects.toMatchObject({ code: 'audit.log.corrupt' });
    });
  });

  describe('HMAC mode', () => {
    it('verifies with the key, fails without it or with another, and refuses to append with a wrong key', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path, { hmacKey: 'k1' });
      await Promise.all([1, 2, 3].map((i) => log.append(fields(i))));
      await log.close();
      expect(await verifyAuditLog(path, { hmacKey: 'k1' })).toMatchObject({ ok: true, entries: 3 });
      expect(await verifyAuditLog(path)).toMatchObject({ ok: false, status: 'key-needed', entries: 3 });
      expect(await verifyAuditLog(path, { hmacKey: 'k2' })).toMatchObject({
        ok: false,
        brokenAt: { line: 1 },
      });
      await expect(AuditLog.open(path, { hmacKey: 'k2' })).rejects.toMatchObject({
        code: 'audit.log.corrupt',
      });
    });

    it('detects an entry rewritten with a recomputed plain SHA-256 hash', async () => {
      const path = join(dir, 'audit.jsonl');
      const log = await AuditLog.open(path, { hmacKey: 'secret-key' });
      await Promise.all([1, 2].map((i) => log.append(fields(i))));
      await log.close();
      const entries = await readEntries(path);
      const forged = { ...entries[1]!, userId: 'someone-else' };
      const { hash: _old, ...rest } = forged;
      const canonical = JSON.stringify(
        Object.fromEntries(Object.entries(rest).sort(([x], [y]) => (x < y ? -1 : 1))),
      );
      forged.hash = createHash('sha256')
        .update(forged.prevHash + canonical)
        .digest('hex');
      await writeFile(path, `${JSON.stringify(entries[0])}\n${JSON.stringify(forged)}\n`);
      expect(await verifyAuditLog(path, { hmacKey: 'secret-key' })).toMatchObject({
        ok: false,
        entries: 1,
        brokenAt: { line: 2, reason: 'modified' },
      });
    });
  });
});

describe('generateAuditLog', () => {
  it('appends to the given log and resolves to seq and hash', async () => {
    const path = join(dir, 'audit.jsonl');
    const log = await AuditLog.open(path);
    const result = await generateAuditLog('conv-1', 'assistant-1', promptHash('x'), 'system-automation', {
      log,
      complianceStatus: 'FAILED',
      errorCode: 'not.found',
    });
    await log.close();
    expect(result.seq).toBe(1);
    expect((await readEntries(path))[0]).toMatchObject({
      conversationId: 'conv-1',
      complianceStatus: 'FAILED',
      errorCode: 'not.found',
    });
  });

  it('without a log writes nothing and returns the seed-shaped entry', () => {
    const hash = promptHash('x');
    const entry = generateAuditLog('conv-1', 'assistant-1', hash, 'system-automation', {
      now: () => new Date(0),
    });
    expect(entry).toEqual({
      timestamp: '1970-01-01T00:00:00.000Z',
      eventType: 'AI_PROMPT_INJECTION',
      conversationId: 'conv-1',
      assistantId: 'assistant-1',
      promptHash: hash,
      userId: 'system-automation',
      complianceStatus: 'AUDITED',
    });
    expect(() => generateAuditLog('conv-1', 'assistant-1', 'not a hash', 'u')).toThrow(ValidationError);
  });
});
