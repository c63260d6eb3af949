/**
 * The rank table on small tables built here, fresh for each test (`new RankTable(compactRanks(...))`):
 * lookups by text and by raw bytes, the later of two equal tokens, the byte-order-mark quirk, the
 * longest piece, pair ranks, and a table large enough that its open addressing probes past
 * collisions. The tables of real encodings are checked against gpt-tokenizer elsewhere; these tests
 * see the table's own rules directly.
 */
import { describe, expect, it } from 'vitest';
import { compactRanks, isAscii, partId, RankTable, utf8Bytes } from '../../src/prompt/rank-table.js';
import { TOKEN_ABSENT, TOKEN_RAW, TOKEN_TEXT } from '../../src/prompt/rank-table-file.js';
import { mulberry32 } from '../../src/seeded-random.js';

type Token = string | number[];

/** Every single byte is a token (ranks 0..255): ASCII by text, the others by raw bytes. */
const SINGLE_BYTES: Token[] = Array.from({ length: 256 }, (_, byte) =>
  byte < 0x80 ? String.fromCharCode(byte) : [byte],
);

/** A table of the single bytes plus `extra` (ranks from 256 on). */
function tableOf(extra: Token[]): RankTable {
  return new RankTable(compactRanks([...SINGLE_BYTES, ...extra]));
}

describe('RankTable lookups', () => {
  const extra: Token[] = ['ab', 'abc', ' world', 'héllo', [0xff, 0xfe], 'using'];
  const table = tableOf(extra);
  const rankOf = (text: string): number => table.rank(utf8Bytes(text), 0, utf8Bytes(text).length);

  it('ranks every token by its bytes, and bytes that are no token as Infinity', () => {
    expect(rankOf('ab')).toBe(256);
    expect(rankOf('abc')).toBe(257);
    expect(rankOf(' world')).toBe(258);
    expect(rankOf('héllo')).toBe(259);
    expect(table.rank('\xff\xfe', 0, 2)).toBe(260);
    expect(rankOf('abd')).toBe(Infinity);
    expect(rankOf('ba')).toBe(Infinity);
    expect(rankOf('abcd')).toBe(Infinity);
    expect(rankOf(' worlds')).toBe(Infinity);
    expect(table.rank('\xfe\xff', 0, 2)).toBe(Infinity);
  });

  it('looks up a range inside a longer byte string', () => {
    const bytes = utf8Bytes('xxabcxx');
    expect(table.rank(bytes, 2, 4)).toBe(256);
    expect(table.rank(bytes, 2, 5)).toBe(257);
    expect(table.rank(bytes, 1, 4)).toBe(Infinity);
    expect(table.rank(bytes, 0, 1)).toBe('x'.charCodeAt(0));
  });

  it('finds a whole piece by its text only: raw-byte tokens are no piece', () => {
    expect(table.pieceRank('abc')).toBe(257);
    expect(table.pieceRank(utf8Bytes('héllo'))).toBe(259);
    expect(table.pieceRank('\xff\xfe')).toBeUndefined();
    expect(table.pieceRank('\xc3')).toBeUndefined();
    expect(table.pieceRank('abd')).toBeUndefined();
  });

  it('ranks a single byte as itself, and gives each its part identity', () => {
    for (const byte of [0, 0x41, 0x7f, 0x80, 0xc3, 0xff]) {
      expect(table.rank(String.fromCharCode(byte), 0, 1)).toBe(byte);
      expect(table.bytePart[byte]).toBe(partId(byte, 1));
    }
  });

  it('reads a byte-order mark before a text token as that token (the reference quirk), never before raw bytes', () => {
    const bom = '\xef\xbb\xbf';
    expect(table.rank(`${bom}using`, 0, 8)).toBe(rankOf('using'));
    expect(table.rank(`${bom}ab`, 0, 5)).toBe(256);
    expect(table.rank(`${bom}\xff\xfe`, 0, 5)).toBe(Infinity);
    expect(table.rank(`x${bom}ab`, 1, 6)).toBe(256);
    expect(table.rank(`${bom}zz`, 0, 5)).toBe(Infinity);
    // Two bytes of the mark are not the mark.
    expect(table.rank('\xef\xbbab', 0, 4)).toBe(Infinity);
    expect(table.rank('\xef\xbfab', 0, 4)).toBe(Infinity);
    expect(table.rank('\xee\xbb\xbfab', 0, 5)).toBe(Infinity);
  });

  it('counts its ranks and knows the longest range that can have one (longest token plus a mark)', () => {
    expect(table.rankCount).toBe(256 + extra.length);
    expect(table.maxPieceBytes).toBe(utf8Bytes('héllo').length + 3);
    const long = 'a'.repeat(30);
    const withLong = tableOf([long]);
    expect(withLong.maxPieceBytes).toBe(33);
    expect(withLong.rank(long, 0, 30)).toBe(256);
    expect(withLong.rank(`\xef\xbb\xbf${long}`, 0, 33)).toBe(256);
    expect(withLong.rank(`\xef\xbb\xbf${long}a`, 0, 34)).toBe(Infinity);
  });

  it('keeps the later of two tokens with the same bytes, as the reference map does', () => {
    const twice = tableOf(['ab', 'cd', 'ab']);
    expect(twice.rank('ab', 0, 2)).toBe(258);
    expect(twice.rank('cd', 0, 2)).toBe(257);
    expect(twice.pieceRank('ab')).toBe(258);
  });

  it('gives a pair the rank of its bytes, remembered by the parts, whatever the order of asking', () => {
    const bytes = 'abcab';
    const a = partId(97, 1);
    const b = partId(98, 1);
    expect(table.pairRank(a, b, bytes, 0, 2)).toBe(256);
    expect(table.pairRank(a, b, bytes, 3, 5)).toBe(256);
    expect(table.pairRank(partId(256, 2), partId(99, 1), bytes, 0, 3)).toBe(257);
    expect(table.pairRank(b, partId(99, 1), bytes, 1, 3)).toBe(Infinity);
    expect(table.pairRank(a, b, bytes, 0, 2)).toBe(256);
  });
});

describe('RankTable with thousands of tokens (probing past collisions)', () => {
  const next = mulberry32(7);
  const random = (): number => next() / 2 ** 32;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = new Set<string>();
  while (words.size < 5000) {
    const length = 2 + Math.floor(random() * 7);
    let word = '';
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
    words.add(word);
  }
  const list = [...words];
  const table = tableOf(list);

  it('finds every token at its rank', () => {
    const wrong = list.filter((word, i) => table.rank(word, 0, word.length) !== 256 + i);
    expect(wrong).toEqual([]);
    expect(list.filter((word, i) => table.pieceRank(word) !== 256 + i)).toEqual([]);
  });

  it('finds no word that is not a token: one letter changed, one added, one dropped', () => {
    const near = list.flatMap((word) => [
      `${word}q`,
      word.slice(1),
      `${word.slice(0, -1)}${word.endsWith('z') ? 'y' : 'z'}`,
    ]);
    const found = near.filter(
      (word) => word.length > 1 && !words.has(word) && table.rank(word, 0, word.length) !== Infinity,
    );
    expect(found).toEqual([]);
  });
});

describe('compactRanks', () => {
  it('records each token by text or raw bytes, and skips byte tokens that are valid UTF-8 text', () => {
    const compact = compactRanks(['a', [0xff], [0x61], 'é']);
    expect([...compact.kinds]).toEqual([TOKEN_TEXT, TOKEN_RAW, TOKEN_ABSENT, TOKEN_TEXT]);
    expect([...compact.lengths]).toEqual([1, 1, 0, 2]);
    expect([...compact.pool]).toEqual([0x61, 0xff, 0xc3, 0xa9]);
  });
});

describe('the byte helpers', () => {
  it('isAscii: every char at most 0x7f', () => {
    expect(isAscii('')).toBe(true);
    expect(isAscii('plain text\x7f')).toBe(true);
    expect(isAscii('\x80')).toBe(false);
    expect(isAscii('abc\x80')).toBe(false);
    expect(isAscii('é')).toBe(false);
  });

  it('utf8Bytes: one char per UTF-8 byte', () => {
    expect(utf8Bytes('aé€')).toBe('a\xc3\xa9\xe2\x82\xac');
    expect(utf8Bytes('')).toBe('');
  });

  it('partId: rank and length side by side', () => {
    expect(partId(3, 2)).toBe(3 * 256 + 2);
    expect(partId(0, 255)).toBe(255);
    expect(partId(1, 0)).not.toBe(partId(0, 1));
  });
});
