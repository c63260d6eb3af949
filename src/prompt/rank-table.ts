/**
 * A BPE rank table (gpt-tokenizer's, the tables of OpenAI's o200k_base and cl100k_base), loaded the
 * first time a count needs it — it is megabytes of source, so neither the library nor the CLI pays for
 * it at start-up — and indexed by UTF-8 bytes for the byte-pair merge: an open-addressing hash table
 * over typed arrays, so a lookup of bytes inside a piece allocates nothing.
 *
 * Lookups follow the reference encoder (gpt-tokenizer) exactly, quirk included: a byte range that is
 * valid UTF-8 is looked up by its decoded text, and decoding drops a leading byte-order mark, so the
 * bytes `EF BB BF` + `using` rank as `using`; only invalid UTF-8 is looked up by raw bytes.
 */
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { readRankFile, TOKEN_ABSENT, TOKEN_RAW, TOKEN_TEXT, type CompactRanks } from './rank-table-file.js';

/** The encodings with a rank table. */
export type RankTableName = 'o200k_base' | 'cl100k_base';

/** One char per byte: the form in which pieces are merged. */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Whether every char of `text` is ASCII (so it is its own byte string). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Part identities stay below this (ranks below 2^18 times lengths below 2^8). */
const PART_IDS = 2 ** 26;
/** Pair ranks remembered per table: 2^16 slots, 1 MB. */
const PAIR_SLOT_MASK = 0xffff;
/** Bits of the table's filter of hashes: 2^22, 512 KB. */
const FILTER_SHIFT = 22;
const FILTER_BITS = 2 ** FILTER_SHIFT;
/** The bit of a hash within its word of the filter (the word is the hash's top bits but five). */
const filterBit = (hash: number): number => 1 << ((hash >>> (32 - FILTER_SHIFT)) & 31);
/** Multiplier of the byte hash. */
const HASH_BASE = 0x01000193;

/** The hash of bytes `[start, end)` of a byte string. */
function hashBytes(bytes: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes.charCodeAt(i), HASH_BASE);
  return mix(hash);
}

/** The same hash of bytes `[start, end)` of an array. */
function hashArray(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), HASH_BASE);
  return mix(hash);
}

/** A final mix, so that the low bits used as the slot depend on every byte. */
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

/**
 * The identity of a part that is a token: its rank and byte length together (a byte-order mark
 * before a token's text keeps the rank but not the length, so the rank alone is not enough).
 * @param rank the part's rank
 * @param length its length in bytes
 */
export function partId(rank: number, length: number): number {
  return rank * 256 + length;
}

/** The ranks of one encoding, by bytes. */
export class RankTable {
  /** Every token's bytes, end to end. */
  readonly #pool: Uint8Array;
  /**
   * Four numbers per slot, side by side so a probe reads one cache line: the rank (-1 when empty),
   * the hash of its bytes, where they start in the pool, and their length plus 256 when the token is
   * looked up by its text (0 for one looked up by raw, invalid UTF-8 bytes).
   */
  readonly #slots: Int32Array;
  readonly #slotMask: number;
  /**
   * One bit per hash value (its top bits): most byte ranges of a merge are no token, and this small
   * bitmap answers that from cache instead of a probe into the large slot array.
   */
  readonly #seen = new Int32Array(FILTER_BITS / 32);
  readonly #pairKeys = new Float64Array(PAIR_SLOT_MASK + 1).fill(-1);
  readonly #pairRanks = new Float64Array(PAIR_SLOT_MASK + 1);
  /** Longest byte range that can have a rank (longest token plus a byte-order mark). */
  readonly maxPieceBytes: number;
  /** Ranks run from 0 to `rankCount - 1`. */
  readonly rankCount: number;
  /** `partId` of each single byte (every byte is a token). */
  readonly bytePart = new Int32Array(256);

  /** @param compact the tokens of the table (`compactRanks`, or read back from a rank file) */
  constructor(compact: CompactRanks) {
    const { kinds, lengths, pool } = compact;
    this.rankCount = kinds.length;
    this.#pool = pool;
    let tokens = 0;
    let longest = 0;
    for (let rank = 0; rank < kinds.length; rank++) {
      if (kinds[rank] === TOKEN_ABSENT) continue;
      tokens++;
      longest = Math.max(longest, lengths[rank] as number);
    }
    this.maxPieceBytes = longest + 3;
    let slots = 1;
    while (slots < tokens * 2) slots *= 2;
    this.#slotMask = slots - 1;
    this.#slots = new Int32Array(4 * slots);
    for (let slot = 0; slot < slots; slot++) this.#slots[4 * slot] = -1;
    let offset = 0;
    for (let rank = 0; rank < kinds.length; rank++) {
      const kind = kinds[rank] as number;
      const length = lengths[rank] as number;
      if (kind !== TOKEN_ABSENT) this.#insert(rank, offset, length, kind === TOKEN_TEXT);
      offset += length;
    }
    for (let byte = 0; byte < 256; byte++) {
      this.bytePart[byte] = partId(this.rank(String.fromCharCode(byte), 0, 1), 1);
    }
  }

  /** Adds the token of `rank` whose bytes are the pool's `[offset, offset + length)`. */
  #insert(rank: number, offset: number, length: number, isText: boolean): void {
    const slots = this.#slots;
    const pool = this.#pool;
    const hash = hashArray(pool, offset, offset + length);
    let slot = hash & this.#slotMask;
    for (; slots[4 * slot] !== -1; slot = (slot + 1) & this.#slotMask) {
      // A later token with the same bytes replaces an earlier one, as in the reference encoder's map.
      if (slots[4 * slot + 1] !== hash || ((slots[4 * slot + 3] as number) & 255) !== length) continue;
      const other = slots[4 * slot + 2] as number;
      let same = true;
      for (let i = 0; i < length && same; i++) same = pool[other + i] === pool[offset + i];
      if (same) break;
    }
    slots[4 * slot] = rank;
    slots[4 * slot + 1] = hash;
    slots[4 * slot + 2] = offset;
    slots[4 * slot + 3] = length + (isText ? 256 : 0);
    const word = hash >>> (32 - FILTER_SHIFT + 5);
    this.#seen[word] = (this.#seen[word] as number) | filterBit(hash);
  }

  /** The slot holding bytes `[start, end)` whose hash is `hash`, or -1. */
  #find(bytes: string, start: number, end: number, hash = hashBytes(bytes, start, end)): number {
    if (
      (this.#seen[hash >>> (32 - FILTER_SHIFT + 5)]! & (1 << ((hash >>> (32 - FILTER_SHIFT)) & 31))) ===
      0
    ) {
      return -1;
    }
    const slots = this.#slots;
    const pool = this.#pool;
    const length = end - start;
    for (let slot = hash & this.#slotMask; slots[4 * slot] !== -1; slot = (slot + 1) & this.#slotMask) {
      if (slots[4 * slot + 1] !== hash || ((slots[4 * slot + 3] as number) & 255) !== length) continue;
      const from = (slots[4 * slot + 2] as number) - start;
      let same = true;
      for (let i = start; i < end && same; i++) same = pool[from + i] === bytes.charCodeAt(i);
      if (same) return slot;
    }
    return -1;
  }

  /** The rank in `slot`, if it is found and of the wanted kind (text or raw bytes). */
  #rankIn(slot: number, text: boolean | undefined): number | undefined {
    if (slot < 0) return undefined;
    const isText = (this.#slots[4 * slot + 3] as number) >= 256;
    return text === undefined || text === isText ? (this.#slots[4 * slot] as number) : undefined;
  }

  /**
   * The rank of a whole piece as the pre-tokenizer cut it (the reference encoder's first lookup: by
   * the piece's text, with no byte-order-mark rule), or undefined.
   * @param bytes the piece's UTF-8 bytes
   */
  pieceRank(bytes: string): number | undefined {
    return this.#rankIn(this.#find(bytes, 0, bytes.length), true);
  }

  /**
   * The rank of bytes `[start, end)` of `bytes`, or `Infinity` when they are no token.
   * @param bytes one char per byte
   */
  rank(bytes: string, start: number, end: number): number {
    if (end - start > this.maxPieceBytes) return Infinity;
    if (
      end - start >= 3 &&
      bytes.charCodeAt(start) === 0xef &&
      bytes.charCodeAt(start + 1) === 0xbb &&
      bytes.charCodeAt(start + 2) === 0xbf
    ) {
      return (
        this.#rankIn(this.#find(bytes, start + 3, end), true) ??
        this.#rankIn(this.#find(bytes, start, end), false) ??
        Infinity
      );
    }
    // Text keys are valid UTF-8 and raw keys are not, so one lookup finds either kind.
    return this.#rankIn(this.#find(bytes, start, end), undefined) ?? Infinity;
  }

  /**
   * The rank of two adjacent parts together, remembered by the parts' identities (see `partId`) in a
   * direct-mapped cache, so a long piece that repeats itself looks each pair up once.
   * @param leftId `partId` of the part `[start, middle)`
   * @param rightId `partId` of the part `[middle, end)`
   */
  pairRank(leftId: number, rightId: number, bytes: string, start: number, end: number): number {
    const key = leftId * PART_IDS + rightId;
    const slot = (Math.imul(leftId, 0x9e3779b1) ^ rightId) & PAIR_SLOT_MASK;
    if (this.#pairKeys[slot] === key) return this.#pairRanks[slot] as number;
    const rank = this.rank(bytes, start, end);
    this.#pairKeys[slot] = key;
    this.#pairRanks[slot] = rank;
    return rank;
  }
}

/**
 * The compact form of a rank table as gpt-tokenizer ships it (index = rank: the token's text, or its
 * bytes when they are not valid UTF-8).
 * @param ranks the table
 */
export function compactRanks(ranks: readonly (string | readonly number[])[]): CompactRanks {
  const kinds = new Uint8Array(ranks.length);
  const lengths = new Uint8Array(ranks.length);
  const parts: Buffer[] = [];
  ranks.forEach((token, rank) => {
    const bytes = typeof token === 'string' ? Buffer.from(token, 'utf8') : Buffer.from(token);
    // A byte token that is valid UTF-8 is looked up by its text, which is not this token: unreachable.
    if (typeof token !== 'string' && isUtf8(bytes)) return;
    kinds[rank] = typeof token === 'string' ? TOKEN_TEXT : TOKEN_RAW;
    lengths[rank] = bytes.length;
    parts.push(bytes);
  });
  return { kinds, lengths, pool: new Uint8Array(Buffer.concat(parts)) };
}

const require = createRequire(import.meta.url);
const tables = new Map<RankTableName, RankTable>();

/**
 * The rank table of an encoding, loaded and indexed on first use (synchronously: the prompt
 * pipeline is synchronous). A build writes each table in compact form beside the bundle
 * (`rank-table-file.ts`), which loads in a fraction of the time; without it (or when it was written
 * for another version of gpt-tokenizer) the table comes from gpt-tokenizer itself.
 * @param name `o200k_base` or `cl100k_base`
 */
export function rankTable(name: RankTableName): RankTable {
  let table = tables.get(name);
  if (!table) {
    const compact =
      readRankFile(name) ??
      compactRanks(
        (require(`gpt-tokenizer/bpeRanks/${name}`) as { default: readonly (string | readonly number[])[] })
          .default,
      );
    table = new RankTable(compact);
    tables.set(name, table);
  }
  return table;
}
