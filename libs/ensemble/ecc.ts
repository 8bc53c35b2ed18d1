/**
 * Ensemble copula coupling (Schefzik, Thorarinsdottir & Gneiting 2013, Stat. Sci. 28(4), "ECC-Q"):
 * m calibrated quantiles at levels i/(m+1), i = 1..m, reordered at each point by the ranks of the raw
 * members, so the calibrated members keep the raw ensemble's spatial and inter-variable structure.
 */
import type { MemberArray } from './stats.js';

/** The equidistant ECC-Q levels i/(m+1), i = 1..m. */
export function eccLevels(m: number): number[] {
  return Array.from({ length: m }, (_, i) => (i + 1) / (m + 1));
}

/**
 * Reorder calibrated quantiles ([m, point], ascending in the first dim at every point) by the raw members'
 * ranks: member i receives the quantile of its rank. Ties are broken deterministically by member index
 * (the earlier member gets the lower rank), NaN members rank last. Output [member, point], float32.
 */
export function eccReorder(raw: MemberArray, calibratedQuantiles: Float32Array): Float32Array {
  const { data, members: m, points: n } = raw;
  const out = new Float32Array(m * n);
  const idx = new Int32Array(m);
  const vals = new Float64Array(m);
  for (let p = 0; p < n; p++) {
    for (let i = 0; i < m; i++) {
      idx[i] = i;
      const v = data[i * n + p];
      vals[i] = Number.isNaN(v) ? Infinity : v;
    }
    // Stable insertion sort of member indices by value: ties keep member order.
    for (let i = 1; i < m; i++) {
      const k = idx[i];
      let j = i - 1;
      while (j >= 0 && vals[idx[j]] > vals[k]) {
        idx[j + 1] = idx[j];
        j--;
      }
      idx[j + 1] = k;
    }
    for (let r = 0; r < m; r++) out[idx[r] * n + p] = calibratedQuantiles[r * n + p];
  }
  return out;
}
