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
  // A final mix, so that the low bits used as the slot depend on every byte.
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

  /** @param ranks the table, index = rank: a token's text, or its bytes when they are not valid UTF-8 */
  constructor(ranks: readonly (string | readonly number[])[]) {
    const keys: string[] = [];
    const isText: boolean[] = [];
    let poolSize = 0;
    let longest = 0;
    ranks.forEach((token, rank) => {
      const key =
        typeof token === 'string'
          ? isAscii(token)
            ? token
            : utf8Bytes(token)
          : String.fromCharCode(...token);
      // A byte token that is valid UTF-8 is looked up by its text, which is not this token: unreachable.
      if (typeof token !== 'string' && isUtf8(Buffer.from(key, 'latin1'))) return;
      keys[rank] = key;
      isText[rank] = typeof token === 'string';
      poolSize += key.length;
      longest = Math.max(longest, key.length);
    });
    this.maxPieceBytes = longest + 3;
    this.rankCount = ranks.length;
    let slots = 1;
    while (slots < keys.length * 2) slots *= 2;
    this.#slotMask = slots - 1;
    this.#pool = new Uint8Array(poolSize);
    this.#slots = new Int32Array(4 * slots);
    for (let slot = 0; slot < slots; slot++) this.#slots[4 * slot] = -1;
    let offset = 0;
    keys.forEach((key, rank) => {
      const hash = hashBytes(key, 0, key.length);
      // A later token with the same bytes replaces an earlier one, as in the reference encoder's map.
      let slot = this.#find(key, 0, key.length, hash);
      if (slot < 0) {
        slot = hash & this.#slotMask;
        while (this.#slots[4 * slot] !== -1) slot = (slot + 1) & this.#slotMask;
      }
      for (let i = 0; i < key.length; i++) this.#pool[offset + i] = key.charCodeAt(i);
      this.#slots[4 * slot] = rank;
      this.#slots[4 * slot + 1] = hash;
      this.#slots[4 * slot + 2] = offset;
      this.#slots[4 * slot + 3] = key.length + (isText[rank] ? 256 : 0);
      const word = hash >>> (32 - FILTER_SHIFT + 5);
      this.#seen[word] = (this.#seen[word] as number) | filterBit(hash);
      offset += key.length;
    });
    for (let byte = 0; byte < 256; byte++) {
      this.bytePart[byte] = partId(this.rank(String.fromCharCode(byte), 0, 1), 1);
    }
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

const require = createRequire(import.meta.url);
const tables = new Map<RankTableName, RankTable>();

/**
 * The rank table of an encoding, loaded and indexed on first use (synchronously: the prompt
 * pipeline is synchronous).
 * @param name `o200k_base` or `cl100k_base`
 */
export function rankTable(name: RankTableName): RankTable {
  let table = tables.get(name);
  if (!table) {
    const loaded = require(`gpt-tokenizer/bpeRanks/${name}`) as {
      default: readonly (string | readonly number[])[];
    };
    table = new RankTable(loaded.default);
    tables.set(name, table);
  }
  return table;
}
