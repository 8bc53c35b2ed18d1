/**
 * Per-point score maps on the grid (Float32Array [y, x]; NaN where the point is missing), for maps in
 * reports and for the CRPS benchmark. Same definitions and missing-value rule as ScoreSet.
 */
import { sortSmall } from '../ensemble/quantiles.js';
import type { Field2D } from '../ensemble/types.js';
import { crpsGaussian, ensembleCrpsSorted } from './crps.js';
import { isGaussian, type Forecast } from './types.js';

export interface CrpsMaps {
  crps: Float32Array;
  crpsFair: Float32Array;
  crpsGaussian: Float32Array;
}

/**
 * Ensemble CRPS per point from member-major data [m, n] (removes the member dim): sort the m members of each
 * point (O(m log m); insertion sort for small m) and apply ensembleCrpsSorted. NaN members are dropped;
 * fewer than 2 finite members or a NaN truth → NaN.
 */
export function ensembleCrpsMap(
  data: Float32Array,
  m: number,
  truth: Float32Array,
  out?: Float32Array,
): Float32Array {
  const n = truth.length;
  const res = out ?? new Float32Array(n);
  const buf = new Float64Array(m);
  for (let p = 0; p < n; p++) {
    const y = truth[p];
    let k = 0;
    for (let i = 0; i < m; i++) {
      const v = data[i * n + p];
      if (v === v) buf[k++] = v;
    }
    if (y !== y || k < 2) {
      res[p] = NaN;
      continue;
    }
    sortSmall(buf, k);
    res[p] = ensembleCrpsSorted(buf, k, y).crps;
  }
  return res;
}

/** CRPS, fair CRPS and Gaussian CRPS maps of one forecast against its truth. */
export function crpsMaps(forecast: Forecast, truth: Field2D): CrpsMaps {
  const n = forecast.ny * forecast.nx;
  const crps = new Float32Array(n);
  const crpsFair = new Float32Array(n);
  const gauss = new Float32Array(n);
  if (isGaussian(forecast)) {
    for (let p = 0; p < n; p++) {
      const sd = forecast.std[p];
      const v =
        sd > 0 && !Number.isNaN(truth.data[p]) ? crpsGaussian(forecast.mean[p], sd, truth.data[p]) : NaN;
      crps[p] = crpsFair[p] = gauss[p] = v;
    }
    return { crps, crpsFair, crpsGaussian: gauss };
  }
  const m = forecast.members.length;
  const buf = new Float64Array(m);
  for (let p = 0; p < n; p++) {
    const y = truth.data[p];
    let k = 0;
    for (let i = 0; i < m; i++) {
      const v = forecast.data[i * n + p];
      if (!Number.isNaN(v)) buf[k++] = v;
    }
    if (Number.isNaN(y) || k < 2) {
      crps[p] = crpsFair[p] = gauss[p] = NaN;
      continue;
    }
    sortSmall(buf, k);
    const c = ensembleCrpsSorted(buf, k, y);
    let sum = 0;
    for (let i = 0; i < k; i++) sum += buf[i];
    const mu = sum / k;
    let ss = 0;
    for (let i = 0; i < k; i++) ss += (buf[i] - mu) ** 2;
    crps[p] = c.crps;
    crpsFair[p] = c.fair;
    gauss[p] = crpsGaussian(mu, Math.sqrt(ss / (k - 1)), y);
  }
  return { crps, crpsFair, crpsGaussian: gauss };
}
