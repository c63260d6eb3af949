/**
 * Classifying a break in the chain: an entry that is valid on its own but does not continue the chain.
 * Reading on tells an insertion from a reordering or a deletion.
 */
import { type AuditEntry, entryHashMatches, parseEntryLine } from './audit-entry.js';

/** Why verification stopped. */
export type AuditBreakReason =
  | 'modified'
  | 'deleted'
  | 'inserted'
  | 'reordered'
  | 'truncated'
  | 'malformed'
  | 'hash-mismatch'
  | 'rewritten'
  | 'checkpoint-forged';

/**
 * A self-consistent entry that does not continue the chain. Reads on to find the entry that should
 * have come (same `seq` and `prevHash` as expected) and whether this one appears again.
 */
export class ChainBreakSuspect {
  #successorLine: number | undefined;
  #successorHash: string | undefined;
  #duplicated = false;

  /**
   * @param line where the suspect entry is
   * @param entry the suspect entry
   * @param expectedSeq the `seq` that should have come
   * @param expectedPrev the `prevHash` that should have come
   * @param hashKey how to check a candidate successor's own hash: the HMAC key, undefined for plain
   *   SHA-256, or false when it cannot be checked (an HMAC trail verified without its key)
   */
  constructor(
    readonly line: number,
    readonly entry: AuditEntry,
    readonly expectedSeq: number,
    readonly expectedPrev: string,
    readonly hashKey: string | undefined | false,
  ) {}

  /** Looks at one later line. */
  observe(line: number, text: string, terminated: boolean): void {
    if (!terminated) return;
    const other = parseEntryLine(text);
    if (other === undefined) return;
    if (other.hash === this.entry.hash) this.#duplicated = true;
    if (
      this.#successorLine === undefined &&
      other.seq === this.expectedSeq &&
      other.prevHash === this.expectedPrev &&
      (this.hashKey === false || entryHashMatches(other, this.hashKey))
    ) {
      this.#successorLine = line;
      this.#successorHash = other.hash;
    }
  }

  /** The reason and message, once every later line was observed. */
  classify(): [AuditBreakReason, string] {
    const { entry, expectedSeq } = this;
    const claims = `seq ${entry.seq} where seq ${expectedSeq} was expected`;
    if (this.#successorLine === undefined) {
      if (entry.seq > expectedSeq)
        return ['deleted', `${claims}: entries ${expectedSeq}..${entry.seq - 1} are missing`];
      if (entry.seq === expectedSeq) {
        return [
          'hash-mismatch',
          'its prevHash is not the hash of the previous entry (one of them was rewritten)',
        ];
      }
      return ['inserted', `${claims}: this entry does not belong here`];
    }
    if (this.#duplicated) return ['inserted', `${claims}: a copy of an entry that appears again later`];
    if (this.#successorLine === this.line + 1 && entry.prevHash !== this.#successorHash) {
      return ['inserted', `${claims}: the chain resumes on the next line without it`];
    }
    return ['reordered', `${claims}: entry ${expectedSeq} is on line ${this.#successorLine}`];
  }
}
