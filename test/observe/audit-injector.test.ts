/** The audit trail as the injector uses it: shared by two injectors, in PostgreSQL, signed, sent off the host. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GenesysPromptInjector } from '../../src/injector.js';
import type { InjectorOptions } from '../../src/injector-options.js';
import { readCheckpointLine } from '../../src/observe/audit-checkpoint.js';
import type { CheckpointMessage } from '../../src/observe/audit-checkpoint-publisher.js';
import { generateAuditKeyPair } from '../../src/observe/audit-signing-key.js';
import { verifyAuditLog } from '../../src/observe/audit-verify.js';
import { FAST, TEMPLATE, tempDir } from '../injector-kit.js';

const SEED_ASSISTANT_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const DATABASE = process.env.AUDIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let emulator: Emulator | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await emulator?.close();
  emulator = undefined;
});

async function injectors(count: number, options: InjectorOptions): Promise<GenesysPromptInjector[]> {
  emulator ??= await startEmulator({ rateLimit: false, firstChunkDelayMs: 1, chunkIntervalMs: 1 });
  const made = Array.from(
    { length: count },
    () =>
      new GenesysPromptInjector({
        environment: emulator!.baseUrl,
        clientId: emulator!.clientId,
        clientSecret: emulator!.clientSecret,
        transport: 'direct',
        ...FAST,
        ...options,
      }),
  );
  for (const injector of made) closers.push(() => injector.close());
  return made;
}

describe('the injectors audit trail', () => {
  it('two injectors in one process on one file keep every entry, signed, with checkpoints sent to telemetry', async () => {
    const path = join(tempDir(), 'audit.jsonl');
    const pair = generateAuditKeyPair();
    const posted: CheckpointMessage[] = [];
    const fetch = async (_url: string, init: RequestInit): Promise<Response> => {
      posted.push(JSON.parse(init.body as string) as CheckpointMessage);
      return new Response('', { status: 204 });
    };
    const [a, b] = await injectors(2, {
      auditLogPath: path,
      auditSigningKey: pair.privateKeyPem,
      auditTuning: { checkpointEvery: 4 },
      observabilityEndpoint: 'http://127.0.0.1:9/telemetry',
      telemetryTuning: { fetch },
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a! : b!).injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, []),
      ),
    );
    await a!.close();
    await b!.close();
    const seqs = results.map((r) => r.audit!.seq).sort((x, y) => x - y);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(10);
    expect(await verifyAuditLog(path, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: true,
      entries: 10,
      checkpoints: { signed: true, keyPinned: true, lastCount: 10 },
    });
    // Every checkpoint on disk was also posted, byte for byte, naming the trail.
    const onDisk = (await readFile(`${path}.checkpoints`, 'utf8')).trim().split('\n');
    const postedLines = posted
      .filter((m) => m.kind === 'audit.checkpoint' && m.trail === path)
      .map((m) => m.line);
    expect(new Set(postedLines)).toEqual(new Set(onDisk));
    expect(readCheckpointLine(onDisk.at(-1)!).checkpoint).toMatchObject({ count: 10, keyId: pair.keyId });
  }, 60_000);

  it('appends to PostgreSQL when the trail is a postgres:// URL, and takes the signing key from the environment', async () => {
    const schema = `audit_inj_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: DATABASE });
    await admin.connect();
    closers.push(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    });
    const url = `${DATABASE}?schema=${schema}`;
    const pair = generateAuditKeyPair();
    const previous = process.env.GENESYS_AUDIT_SIGNING_KEY;
    process.env.GENESYS_AUDIT_SIGNING_KEY = pair.privateKeyPem;
    let made: GenesysPromptInjector[];
    try {
      made = await injectors(2, { auditLogPath: url });
    } finally {
      if (previous === undefined) delete process.env.GENESYS_AUDIT_SIGNING_KEY;
      else process.env.GENESYS_AUDIT_SIGNING_KEY = previous;
    }
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => made[i % 2]!.injectPrompt(SEED_ASSISTANT_ID, TEMPLATE, [])),
    );
    await Promise.all(made.map((m) => m.close()));
    expect(results.map((r) => r.audit!.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await verifyAuditLog(url, { publicKey: pair.publicKeyPem })).toMatchObject({
      ok: true,
      entries: 6,
      checkpoints: { signed: true, keyPinned: true, lastCount: 6 },
    });
  }, 60_000);
});
