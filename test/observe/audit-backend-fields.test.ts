/**
 * The backend and the target version in audit entries: written, chained, verified and read back
 * strictly; a backend name that is not one, or free text as a version, is refused before writing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { AuditLog } from '../../src/observe/audit-log.js';
import { readEntryLine } from '../../src/observe/audit-entry.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { tempDir } from '../injector-kit.js';

const HASH = 'a'.repeat(64);
const open: AuditLog[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((log) => log.close()));
});

describe('audit entries with backend and targetVersion', () => {
  it('writes, verifies and reads them back; entries without them stay valid', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const log = await AuditLog.open(path);
    open.push(log);
    const base = { conversationId: 'session-1', assistantId: 'guide-1', promptHash: HASH, userId: 'u' };
    await log.append({ ...base, backend: 'guides', targetVersion: '3' });
    await log.append({ ...base, backend: 'notifications' });
    await log.append(base);
    await log.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const entries = lines.map((line) => readEntryLine(line).entry);
    expect(entries.map((e) => [e?.backend, e?.targetVersion])).toEqual([
      ['guides', '3'],
      ['notifications', undefined],
      [undefined, undefined],
    ]);
    expect((await verifyAuditLog(path)).ok).toBe(true);
  });

  it('refuses a backend that is not a name and a version that is free text, naming the field', async () => {
    const log = await AuditLog.open(join(tempDir(), 'audit.jsonl'));
    open.push(log);
    const base = { conversationId: null, assistantId: 'g', promptHash: HASH, userId: 'u' };
    const badBackend = await log.append({ ...base, backend: 'Guides Backend' }).catch((e: unknown) => e);
    expect(badBackend).toBeInstanceOf(ValidationError);
    expect((badBackend as ValidationError).field).toBe('audit.backend');
    const badVersion = await log.append({ ...base, targetVersion: 'version one' }).catch((e: unknown) => e);
    expect((badVersion as ValidationError).field).toBe('audit.targetVersion');
  });
});
