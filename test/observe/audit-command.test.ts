import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/observe/audit-log.js';
import { promptHash } from '../../src/observe/canonical-json.js';
import { cleanEnv, runCliProcess } from '../cli/cli-kit.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-command-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function trail(
  name: string,
  count: number,
  options: { hmacKey?: string; signingKeyFile?: string } = {},
) {
  const path = join(dir, name);
  const log = await AuditLog.open(path, options);
  for (let i = 0; i < count; i += 1) {
    await log.append({
      conversationId: `c-${i}`,
      assistantId: 'a',
      promptHash: promptHash({ i }),
      userId: 'u',
    });
  }
  await log.close();
  return path;
}

describe('genesys-prompt audit', () => {
  it('keygen writes a private key only its owner can read, refuses to overwrite it, and verify pins its public half', async () => {
    const prefix = join(dir, 'signing');
    const made = await runCliProcess(['audit', 'keygen', '--out', prefix]);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/^key [0-9a-f]{8}… \([0-9a-f]{64}\)/);
    expect((await stat(`${prefix}.key`)).mode & 0o777).toBe(0o600);
    expect(await readFile(`${prefix}.key`, 'utf8')).not.toBe('');
    expect(made.stdout).not.toContain('PRIVATE KEY');
    const again = await runCliProcess(['audit', 'keygen', '--out', prefix]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');

    const path = await trail('signed.jsonl', 3, { signingKeyFile: `${prefix}.key` });
    const keyId = made.stdout.slice(4, 12);
    const verified = await runCliProcess(['audit', 'verify', path, '--public-key', `${prefix}.pub`]);
    expect(verified).toMatchObject({
      code: 0,
      stdout: `OK: 3 entries, signed checkpoint at 3 (key ${keyId}…)\n`,
    });
    const json = await runCliProcess(['audit', 'verify', path, '--json'], {
      env: cleanEnv({ GENESYS_AUDIT_PUBLIC_KEY_FILE: `${prefix}.pub` }),
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      trail: path,
      ok: true,
      status: 'ok',
      entries: 3,
      checkpoints: { signed: true, keyPinned: true, lastCount: 3 },
    });
  }, 60_000);

  it('verify says a key is needed for an HMAC trail (exit 2), verifies with a key file, and reports a break (exit 1)', async () => {
    const path = await trail('keyed.jsonl', 4, { hmacKey: 'the-key' });
    const needed = await runCliProcess(['audit', 'verify', path]);
    expect(needed.code).toBe(2);
    expect(needed.stdout).toMatch(/^KEY NEEDED: 4 entries are chained with an HMAC key/);
    const keyFile = join(dir, 'hmac.key');
    await writeFile(keyFile, 'the-key\n');
    const ok = await runCliProcess(['audit', 'verify', path, '--hmac-key-file', keyFile]);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toMatch(/^OK: 4 entries — unsigned/);

    const lines = (await readFile(path, 'utf8')).split('\n');
    await writeFile(path, `${lines.slice(0, 2).join('\n')}\n`);
    const broken = await runCliProcess(['audit', 'verify', path, '--json'], {
      env: cleanEnv({ GENESYS_AUDIT_HMAC_KEY: 'the-key' }),
    });
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({
      ok: false,
      status: 'broken',
      brokenAt: { reason: 'truncated' },
    });
  }, 60_000);
});
