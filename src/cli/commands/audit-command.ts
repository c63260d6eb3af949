/**
 * `genesys-prompt audit verify <file>`: checks the hash chain; prints OK with the count, or the first
 * broken entry and why.
 */
import { Command } from 'commander';
import { verifyAuditLog } from '../../observe/audit-verify.js';
import { ExitCode } from '../exit-codes.js';

/** Builds the `audit` command group. */
export function auditCommand(setExitCode: (code: ExitCode) => void): Command {
  const audit = new Command('audit').description('audit trail tools');
  audit
    .command('verify')
    .description('verify an audit trail; reports the first broken entry, or OK with the count')
    .argument('<file>', 'audit trail (JSON lines)')
    .option('--hmac-key <key>', 'HMAC key of the chain (default GENESYS_AUDIT_HMAC_KEY)')
    .action(async (file: string, flags: { hmacKey?: string }) => {
      const hmacKey = flags.hmacKey ?? process.env.GENESYS_AUDIT_HMAC_KEY;
      const report = await verifyAuditLog(file, hmacKey ? { hmacKey } : {});
      if (report.ok) {
        const torn = report.tornTail ? ' (a torn last line from a crash, not tampering)' : '';
        process.stdout.write(`OK: ${report.entries} entries${torn}\n`);
        setExitCode(ExitCode.ok);
      } else {
        const { line, seq, reason, message } = report.brokenAt;
        process.stdout.write(
          `BROKEN at line ${line}${seq === undefined ? '' : ` (seq ${seq})`}: ${reason}: ${message}\n`,
        );
        setExitCode(ExitCode.other);
      }
    });
  return audit;
}
