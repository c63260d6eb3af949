/**
 * Verifying a trail by a `postgres://` URL when there is no trail to read: a schema that holds none
 * and a database that does not answer each give a typed error that names the target and the fix. A
 * file path that does not exist, or a checkpoint copy that does not, names its option.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GenesysPromptError, ValidationError } from '../../src/errors.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-verify-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DATABASE = process.env.AUDIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function failure(run: Promise<unknown>): Promise<unknown> {
  return run.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('verifyAuditLog errors', () => {
  it('names a schema that holds no trail', async () => {
    const schema = `audit_absent_${process.pid}_${Date.now().toString(36)}`;
    const error = await failure(verifyAuditLog(`${DATABASE}?schema=${schema}`));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      code: 'audit.log.unreadable',
      field: 'audit',
      problem: expect.stringMatching(/ holds no audit trail in that schema$/) as unknown,
      fix: 'check the URL and its ?schema= parameter',
    });
  });

  it('says the database did not answer, naming the target without its password', async () => {
    const error = await failure(verifyAuditLog('postgres://auditor:s3cret@127.0.0.1:1/test'));
    expect(error).toBeInstanceOf(GenesysPromptError);
    expect(error).not.toBeInstanceOf(ValidationError);
    const { code, message } = error as GenesysPromptError;
    expect(code).toBe('audit.connect.failed');
    expect(message).toMatch(/^cannot read the audit trail postgres:\/\/auditor@127\.0\.0\.1:1\/test/);
    expect(message).toMatch(/; check that the database is running and the URL$/);
    expect(message).not.toContain('s3cret');
  });

  it('names the option of a file that does not exist: the trail, or the checkpoint copy', async () => {
    await expect(verifyAuditLog(join(dir, 'missing.jsonl'))).rejects.toMatchObject({
      field: 'auditLogPath',
      problem: 'cannot read the file (ENOENT)',
      code: 'audit.log.unreadable',
    });
    const trail = join(dir, 'audit.jsonl');
    await writeFile(trail, '');
    await expect(verifyAuditLog(trail, { checkpoints: join(dir, 'copy.jsonl') })).rejects.toMatchObject({
      field: 'checkpoints',
      problem: 'cannot read the file (ENOENT)',
      file: join(dir, 'copy.jsonl'),
    });
  });
});
