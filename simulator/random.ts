/**
 * Deterministic randomness for the simulator. Nothing here reads a clock or Math.random: the same seed gives the
 * same crowd, the same frame timing and the same radar glitches on every machine, so tests can assert on them.
 */

/** mulberry32: a small, fast 32-bit PRNG (public domain, Tommy Ettinger). Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stateless hash of a few integers to a float in [0, 1) (murmur3 finaliser per word). Used where a value must
 * be a pure function of an index (frame k, slot s) rather than of how many numbers were drawn before.
 */
export function hashUnit(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const w of words) {
    h = Math.imul(h ^ (w | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}

/** Uniform float in [min, max). */
export const uniform = (rand: () => number, min: number, max: number): number => min + (max - min) * rand();

/** Exponentially distributed value with the given mean (inverse CDF). */
export const exponential = (rand: () => number, mean: number): number => -mean * Math.log(1 - rand());
