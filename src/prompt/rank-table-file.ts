/**
 * A rank table in compact binary form, written beside the bundle by the build and read back in a few
 * milliseconds instead of compiling gpt-tokenizer's megabytes of JavaScript. The file names the
 * gpt-tokenizer version it was made from; a file for another version is ignored.
 *
 * Layout: `GPRT`, format 1 (one byte), the version's length (one byte) and text, the rank count and
 * the pool length (each 4 bytes, little-endian), then one kind byte per rank, one length byte per
 * rank, and the pool of every token's bytes end to end.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** `CompactRanks.kinds`: no token at this rank (a byte token the reference encoder cannot reach). */
export const TOKEN_ABSENT = 0;
/** `CompactRanks.kinds`: a token looked up by its text. */
export const TOKEN_TEXT = 1;
/** `CompactRanks.kinds`: a token looked up by its raw bytes (not valid UTF-8). */
export const TOKEN_RAW = 2;

/** A table's tokens, compact: per rank its kind and byte length, and every token's bytes end to end. */
export interface CompactRanks {
  kinds: Uint8Array;
  lengths: Uint8Array;
  pool: Uint8Array;
}

const MAGIC = 'GPRT';
const FORMAT = 1;

/** The version of the installed gpt-tokenizer, which the tables come from. */
export function tableSourceVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('gpt-tokenizer/package.json') as { version: string }).version;
}

/**
 * The file's bytes for a table.
 * @param compact the table
 * @param version the gpt-tokenizer version it was made from
 */
export function encodeRankFile(compact: CompactRanks, version: string): Uint8Array {
  const versionBytes = Buffer.from(version, 'utf8');
  const header = Buffer.alloc(4 + 1 + 1 + versionBytes.length + 8);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt8(FORMAT, 4);
  header.writeUInt8(versionBytes.length, 5);
  versionBytes.copy(header, 6);
  header.writeUInt32LE(compact.kinds.length, 6 + versionBytes.length);
  header.writeUInt32LE(compact.pool.length, 10 + versionBytes.length);
  return Buffer.concat([header, compact.kinds, compact.lengths, compact.pool]);
}

/**
 * The table in a file's bytes, or undefined when they are not a table of this format and version.
 * @param bytes the file's bytes
 * @param version the gpt-tokenizer version the table must come from
 */
export function decodeRankFile(bytes: Uint8Array, version: string): CompactRanks | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 14 || buffer.toString('latin1', 0, 4) !== MAGIC || buffer.readUInt8(4) !== FORMAT) {
    return undefined;
  }
  const versionLength = buffer.readUInt8(5);
  if (buffer.toString('utf8', 6, 6 + versionLength) !== version) return undefined;
  const at = 6 + versionLength;
  if (buffer.length < at + 8) return undefined;
  const count = buffer.readUInt32LE(at);
  const poolLength = buffer.readUInt32LE(at + 4);
  const start = at + 8;
  if (buffer.length !== start + 2 * count + poolLength) return undefined;
  const lengths = bytes.subarray(start + count, start + 2 * count);
  let total = 0;
  for (const length of lengths) total += length;
  if (total !== poolLength) return undefined;
  return { kinds: bytes.subarray(start, start + count), lengths, pool: bytes.subarray(start + 2 * count) };
}

/** Where the build writes the table of `name`, relative to the bundle. */
export function rankFileUrl(name: string, base: string | URL = import.meta.url): URL {
  return new URL(`./rank-tables/${name}.bin`, base);
}

/**
 * The table the build wrote for `name`, or undefined when there is none (running from the source
 * tree) or it was made from another gpt-tokenizer version.
 * @param name the encoding
 */
export function readRankFile(name: string): CompactRanks | undefined {
  // The bundle's chunks sit in dist/; the CLI's entry in dist/cli/.
  for (const base of [import.meta.url, new URL('../', import.meta.url)]) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(rankFileUrl(name, base));
    } catch {
      continue;
    }
    return decodeRankFile(bytes, tableSourceVersion());
  }
  return undefined;
}
