/**
 * Seeded uniform random numbers, and a scope in which Math.random draws from them: tfjs's weight initialisers
 * (glorot, he, …) take their seed from Math.random when none is given, so running a network's construction in
 * that scope makes its initial weights a function of the seed alone.
 */
import { InvalidArgumentError } from '../contracts/errors.js';

/** mulberry32 (T. Ettinger, 2017): uniform numbers in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Run `f` (synchronous) with Math.random drawing from mulberry32 of `seed`; the previous Math.random is back
 * when `f` returns or throws. The seed is mixed first (× the 32-bit golden ratio), so that seed n here and the
 * sample-order streams of nearby seeds (libs/pipeline/train/model.ts) do not coincide.
 */
export function withSeededRandom<T>(seed: number, f: () => T): T {
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`random seed must be an integer, got ${seed}`);
  const previous = Math.random;
  Math.random = mulberry32(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b9) >>> 0);
  try {
    const out = f();
    if (out instanceof Promise)
      throw new InvalidArgumentError(
        'withSeededRandom needs a synchronous function (Math.random is restored on return)',
      );
    return out;
  } finally {
    Math.random = previous;
  }
}
