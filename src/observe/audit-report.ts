/** One line that says what a verification proved, and what it did not. */
import { shortKeyId } from './audit-checkpoint.js';
import type { AuditVerification } from './audit-verify.js';

/**
 * Words a verification result: `OK: 300 entries, signed checkpoint at 300 (key 3f9a1c2e…)` when
 * signed checkpoints cover the trail, the unsigned wording (which proves no accidental damage, not
 * the absence of a rewrite) otherwise, `BROKEN at line …` with the reason, or `KEY NEEDED`.
 */
export function describeAuditVerification(result: AuditVerification): string {
  if (result.status === 'key-needed') return `KEY NEEDED: ${result.message}`;
  if (result.status === 'broken') {
    const { line, seq, reason, message } = result.brokenAt;
    return `BROKEN at line ${line}${seq === undefined ? '' : ` (seq ${seq})`}: ${reason}: ${message}`;
  }
  const { entries, checkpoints } = result;
  let text: string;
  if (checkpoints.signed && checkpoints.lastCount !== undefined && checkpoints.keyId !== undefined) {
    const key = shortKeyId(checkpoints.keyId);
    text = `OK: ${entries} entries, signed checkpoint at ${checkpoints.lastCount} (key ${key}${
      checkpoints.keyPinned ? '' : ', not pinned: check it is your key'
    })`;
    if (result.uncovered > 0) {
      text += `; the last ${result.uncovered} entries come after it and are proven by the chain only`;
    }
  } else {
    text = `OK: ${entries} entries — unsigned: proves no accidental damage, not the absence of a rewrite`;
  }
  if (result.recoveries > 0)
    text += `; ${result.recoveries} crash${result.recoveries === 1 ? '' : 'es'} recovered`;
  if (result.tornTail)
    text += '; a torn last line after the last checkpoint (a crash mid-write, not tampering)';
  return text;
}
