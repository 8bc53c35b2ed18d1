/**
 * Per-point empirical quantiles of an ensemble (removes the member dim, adds a quantile dim), with numpy's
 * default "linear" interpolation (Hyndman & Fan 1996, type 7): position q·(m−1) in the sorted members.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { MemberArray } from './stats.js';

/** Sort a small array in place (insertion sort: faster than TypedArray#sort for the m ≤ ~64 of ensembles). */
export function sortSmall(a: Float64Array, m: number): void {
  for (let i = 1; i < m; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/** Quantiles at levels q ∈ [0,1] for every point: out[k, point] (float32); NaN where any member is NaN. */
export function memberQuantiles(e: MemberArray, levels: number[]): Float32Array {
  for (const q of levels)
    if (!(q >= 0 && q <= 1)) throw new InvalidArgumentError(`quantile level ${q} is outside [0, 1]`);
  const { data, members: m, points: n } = e;
  const out = new Float32Array(levels.length * n);
  const buf = new Float64Array(m);
  for (let p = 0; p < n; p++) {
    let bad = false;
    for (let i = 0; i < m; i++) {
      buf[i] = data[i * n + p];
      if (Number.isNaN(buf[i])) bad = true;
    }
    if (bad) {
      for (let k = 0; k < levels.length; k++) out[k * n + p] = NaN;
      continue;
    }
    sortSmall(buf, m);
    for (let k = 0; k < levels.length; k++) {
      const pos = levels[k] * (m - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(lo + 1, m - 1);
      out[k * n + p] = buf[lo] + (pos - lo) * (buf[hi] - buf[lo]);
    }
  }
  return out;
}
