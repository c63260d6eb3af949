/**
 * Seeded, reproducible randomness, shared by the client (few-shot rotation) and the emulator (faults,
 * generated answers): mulberry32, uniform draws, and an unbiased partial Fisher–Yates shuffle. Same
 * seed, same sequence, on every machine. A leaf: it imports nothing.
 */

/** A generator of uniformly distributed unsigned 32-bit integers. */
export type Uint32Source = () => number;

/**
 * mulberry32: a small, fast 32-bit generator with good statistical quality for this use.
 * @param seed any integer; only its low 32 bits matter
 */
export function mulberry32(seed: number): Uint32Source {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const TWO_TO_32 = 0x1_0000_0000;

/** A function returning the next number in [0, 1) of a seeded sequence. */
export type SeededRandom = () => number;

/**
 * A mulberry32 generator of numbers in [0, 1).
 * @param seed any integer; only its low 32 bits matter
 */
export function createSeededRandom(seed: number): SeededRandom {
  const next = mulberry32(seed);
  return () => next() / TWO_TO_32;
}

/**
 * A uniform integer in `[0, bound)`, without modulo bias (values from the incomplete last block
 * of 2^32 are rejected and drawn again).
 * @param next the source
 * @param bound 1 to 2^32
 */
export function uniformIndex(next: Uint32Source, bound: number): number {
  const limit = TWO_TO_32 - (TWO_TO_32 % bound);
  for (;;) {
    const value = next();
    if (value < limit) return value % bound;
  }
}

/**
 * The first `count` positions of a uniformly random permutation of `0..length-1` (partial
 * Fisher–Yates): every ordered choice of `count` distinct indices is equally likely.
 * @param length how many items there are
 * @param count how many to draw (capped at `length`)
 * @param seed the rotation seed
 */
export function seededSample(length: number, count: number, seed: number): number[] {
  const indices = Array.from({ length }, (_, i) => i);
  const next = mulberry32(seed);
  const draws = Math.min(count, length);
  for (let i = 0; i < draws; i++) {
    const j = i + uniformIndex(next, length - i);
    const a = indices[i] ?? i;
    indices[i] = indices[j] ?? j;
    indices[j] = a;
  }
  return indices.slice(0, draws);
}
