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
 * The BM25 statistics of a fixed set of documents, computed once: score many queries against the
 * same few-shot examples without re-reading them.
 */
export class Bm25Index {
  readonly #frequencies: Map<string, number>[];
  readonly #lengths: number[];
  readonly #averageLength: number;
  /** How many documents hold each term. */
  readonly #documentsWith = new Map<string, number>();

  /** @param documents the texts to rank */
  constructor(documents: readonly string[]) {
    const docs = documents.map(bm25Terms);
    this.#lengths = docs.map((terms) => terms.length);
    this.#averageLength = docs.reduce((sum, d) => sum + d.length, 0) / docs.length || 1;
    this.#frequencies = docs.map((terms) => {
      const tf = new Map<string, number>();
      for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
      return tf;
    });
    for (const tf of this.#frequencies) {
      for (const term of tf.keys()) this.#documentsWith.set(term, (this.#documentsWith.get(term) ?? 0) + 1);
    }
  }

  /**
   * The BM25 score of each document against the query, in document order.
   * @param query the text to rank the documents against
   */
  scores(query: string): number[] {
    const queryTerms = [...new Set(bm25Terms(query))];
    const count = this.#frequencies.length;
    const idf = queryTerms.map((term) => {
      const n = this.#documentsWith.get(term) ?? 0;
      return Math.log(1 + (count - n + 0.5) / (n + 0.5));
    });
    return this.#frequencies.map((tf, i) => {
      const norm = BM25_K1 * (1 - BM25_B + (BM25_B * (this.#lengths[i] ?? 0)) / this.#averageLength);
      let score = 0;
      queryTerms.forEach((term, t) => {
        const f = tf.get(term) ?? 0;
        score += (idf[t] ?? 0) * ((f * (BM25_K1 + 1)) / (f + norm));
      });
      return score;
    });
  }
}

/**
 * The BM25 score of each document against the query, in document order. IDF is
 * `ln(1 + (N - n + 0.5) / (n + 0.5))`, which stays positive; each distinct query term counts once.
 * @param documents the texts to rank
 * @param query the text to rank them against
 */
export function bm25Scores(documents: readonly string[], query: string): number[] {
  return new Bm25Index(documents).scores(query);
}
