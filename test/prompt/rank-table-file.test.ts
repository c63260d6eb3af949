import { createRequire } from 'node:module';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import { mergedTokenCount } from '../../src/prompt/byte-pair-merge.js';
import { decodeRankFile, encodeRankFile, tableSourceVersion } from '../../src/prompt/rank-table-file.js';
import { compactRanks, RankTable, rankTable, utf8Bytes } from '../../src/prompt/rank-table.js';

const require = createRequire(import.meta.url);
const ranks = (require('gpt-tokenizer/bpeRanks/cl100k_base') as { default: (string | number[])[] }).default;

describe('rank table file', () => {
  const compact = compactRanks(ranks);
  const version = tableSourceVersion();
  const file = encodeRankFile(compact, version);

  it('reads back the table it wrote, which ranks and merges as the one built from gpt-tokenizer', () => {
    const decoded = decodeRankFile(file, version);
    expect(decoded).toBeDefined();
    const fromFile = new RankTable(decoded as NonNullable<typeof decoded>);
    const direct = rankTable('cl100k_base');
    expect(fromFile.rankCount).toBe(direct.rankCount);
    expect(fromFile.maxPieceBytes).toBe(direct.maxPieceBytes);
    const plain = { disallowedSpecial: new Set<string>() };
    for (const text of ['hello', ' world', 'ünïcödé', 'x'.repeat(300), '\uFEFFusing', 'aaaa bbbb']) {
      const bytes = utf8Bytes(text);
      expect(mergedTokenCount(bytes, fromFile)).toBe(mergedTokenCount(bytes, direct));
      expect(fromFile.pieceRank(bytes)).toBe(direct.pieceRank(bytes));
    }
    expect(mergedTokenCount(utf8Bytes('z'.repeat(500)), fromFile)).toBe(
      referenceCount('z'.repeat(500), plain),
    );
  });

  it('ignores a file made from another gpt-tokenizer version, or damaged', () => {
    expect(decodeRankFile(file, `${version}-other`)).toBeUndefined();
    expect(decodeRankFile(file.subarray(0, file.length - 1), version)).toBeUndefined();
    const damaged = new Uint8Array(file);
    damaged[0] = 0;
    expect(decodeRankFile(damaged, version)).toBeUndefined();
    expect(decodeRankFile(new Uint8Array(3), version)).toBeUndefined();
  });
});
