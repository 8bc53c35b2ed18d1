/** Shared fixtures for the backend tests: seeded inputs and a norm-wise relative error. */
import * as tf from '@tensorflow/tfjs-core';
import { rng } from '../../helpers/random.js';

export { rng };

/** Values uniform in [lo, hi), deterministic in `seed`. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * next());
}

export function randomInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/** ‖a − b‖∞ / ‖b‖∞ (norm-wise, so entries near zero do not dominate). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** Runs `f` on `backend` and returns its outputs as plain arrays (no tensor outlives the call). */
export async function onBackend(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const outs = tf.tidy(f);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}
