/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence, so faults and generated
 * answers are reproducible.
 */

/** A function returning the next number in [0, 1) of a seeded sequence. */
export type SeededRandom = () => number;

/**
 * Creates a mulberry32 generator.
 * @param seed any 32-bit integer (other numbers are truncated)
 */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
