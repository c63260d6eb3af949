/**
 * BM25 ranking (k1 1.2, b 0.75) of short documents against a query, for few-shot similarity.
 */

/** BM25 term-frequency saturation. */
export const BM25_K1 = 1.2;
/** BM25 length normalisation. */
export const BM25_B = 0.75;

/** Lower-cased words (Unicode letters and digits) of a text. */
export function bm25Terms(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The BM25 score of each document against the query, in document order. IDF is
 * `ln(1 + (N - n + 0.5) / (n + 0.5))`, which stays positive; each distinct query term counts once.
 * @param documents the texts to rank
 * @param query the text to rank them against
 */
export function bm25Scores(documents: readonly string[], query: string): number[] {
  const docs = documents.map(bm25Terms);
  const queryTerms = [...new Set(bm25Terms(query))];
  if (docs.length === 0 || queryTerms.length === 0) return docs.map(() => 0);
  const averageLength = docs.reduce((sum, d) => sum + d.length, 0) / docs.length || 1;
  const frequencies = docs.map((terms) => {
    const tf = new Map<string, number>();
    for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
    return tf;
  });
  const idf = new Map<string, number>();
  for (const term of queryTerms) {
    const n = frequencies.filter((tf) => tf.has(term)).length;
    idf.set(term, Math.log(1 + (docs.length - n + 0.5) / (n + 0.5)));
  }
  return frequencies.map((tf, i) => {
    const length = docs[i]?.length ?? 0;
    let score = 0;
    for (const term of queryTerms) {
      const f = tf.get(term) ?? 0;
      if (f === 0) continue;
      score +=
        (idf.get(term) ?? 0) *
        ((f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * length) / averageLength)));
    }
    return score;
  });
}
