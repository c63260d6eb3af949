/**
 * `genesys-prompt audit verify <trail>`: checks the chain and the checkpoints and says what it proved;
 * `audit keygen`: writes the Ed25519 key pair that signs checkpoints. Keys are read from files or
 * environment variables, never from a command-line value (`ps` shows those to every user).
 */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { shortKeyId } from '../../observe/audit-checkpoint.js';
import { describeAuditVerification } from '../../observe/audit-report.js';
import {
  AUDIT_PUBLIC_KEY_FILE_ENV,
  AUDIT_SIGNING_KEY_FILE_ENV,
  generateAuditKeyPair,
} from '../../observe/audit-signing-key.js';
import { verifyAuditLog } from '../../observe/audit-verify.js';
import { HMAC_KEY_ENV, hmacKeyFrom, readKeyText } from '../audit-key-source.js';
import { ExitCode } from '../exit-codes.js';

const DEFAULT_KEY_PREFIX = 'genesys-prompt-audit';

interface VerifyFlags {
  hmacKeyFile?: string;
  publicKey?: string;
  checkpoints?: string;
  json?: boolean;
}

/** Builds the `audit` command group. */
export function auditCommand(setExitCode: (code: ExitCode) => void): Command {
  const audit = new Command('audit').description('audit trail tools');
  audit
    .command('verify')
    .description(
      'verify an audit trail against its checkpoints; says what it proved, or the first broken entry and why',
    )
    .argument(
      '<trail>',
      'audit trail file (its checkpoints are read from <trail>.checkpoints), or postgres://user@host/db?schema=name',
    )
    .option('--hmac-key-file <file>', `file holding the HMAC key of the chain (default ${HMAC_KEY_ENV})`)
    .option(
      '--public-key <file>',
      `public key the checkpoints must be signed with (default ${AUDIT_PUBLIC_KEY_FILE_ENV})`,
    )
    .option('--checkpoints <file>', 'verify against this copy of the checkpoints (one kept off the host)')
    .option('--json', 'print the result as JSON')
    .action(async (trail: string, flags: VerifyFlags) => {
      const hmacKey = hmacKeyFrom(flags.hmacKeyFile, '--hmac-key-file');
      const publicKeyFile = flags.publicKey ?? process.env[AUDIT_PUBLIC_KEY_FILE_ENV];
      const publicKey =
        publicKeyFile === undefined || publicKeyFile === ''
          ? undefined
          : readKeyText(publicKeyFile, '--public-key');
      const result = await verifyAuditLog(trail, {
        ...(hmacKey === undefined ? {} : { hmacKey }),
        ...(publicKey === undefined ? {} : { publicKey }),
        ...(flags.checkpoints === undefined ? {} : { checkpoints: flags.checkpoints }),
      });
      const summary = describeAuditVerification(result);
      process.stdout.write(
        flags.json ? `${JSON.stringify({ trail, summary, ...result }, null, 2)}\n` : `${summary}\n`,
      );
      setExitCode(
        result.status === 'ok'
          ? ExitCode.ok
          : result.status === 'key-needed'
            ? ExitCode.badInput
            : ExitCode.other,
      );
    });
  audit
    .command('migrate')
    .description('create the tables of a PostgreSQL audit trail (writers also create them on first use)')
    .argument('<url>', 'postgres://user@host:5432/database (?schema=name picks the schema; default public)')
    .action(async (url: string) => {
      const { migrateAuditSchema } = await import('../../observe/audit-postgres-schema.js');
      const { target, schema } = await migrateAuditSchema(url);
      process.stdout.write(
        `audit tables ready in ${target}, schema ${schema}: audit_entries, audit_head, audit_checkpoints\n`,
      );
      setExitCode(ExitCode.ok);
    });
  audit
    .command('keygen')
    .description(
      'write an Ed25519 key pair that signs audit checkpoints: <prefix>.key (private) and <prefix>.pub',
    )
    .option('--out <prefix>', 'path prefix of the two files', DEFAULT_KEY_PREFIX)
    .action(async (flags: { out: string }) => {
      const pair = generateAuditKeyPair();
      const privatePath = `${flags.out}.key`;
      const publicPath = `${flags.out}.pub`;
      await writeNew(privatePath, pair.privateKeyPem, 0o600);
      await writeNew(publicPath, pair.publicKeyPem, 0o644);
      process.stdout.write(
        [
          `key ${shortKeyId(pair.keyId)} (${pair.keyId})`,
          `private key: ${privatePath} (mode 600; give it to the writers: ${AUDIT_SIGNING_KEY_FILE_ENV}=${privatePath})`,
          `public key:  ${publicPath} (give it to whoever verifies: audit verify --public-key ${publicPath})`,
          '',
        ].join('\n'),
      );
      setExitCode(ExitCode.ok);
    });
  return audit;
}

async function writeNew(path: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(path, text, { mode, flag: 'wx' });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ValidationError(
        '--out',
        `${path} already exists`,
        'choose another --out prefix; an existing key is never overwritten',
        { code: 'audit.key.exists' },
      );
    }
    throw cause;
  }
}
