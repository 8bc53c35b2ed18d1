/**
 * Predictors of the site methods, computed per pair from the K-member subset: ensemble mean and standard
 * deviation (ddof 1), fraction of members at or below 0 (precipitation), member quantiles, the extra
 * non-member forecasts (e.g. HRES) and the day of year as an annual harmonic pair (sin, cos).
 */
import type { SiteForecast } from './types.js';

/** Member-quantile levels used as DRN inputs. */
export const MEMBER_QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9];

export interface PairFeatures {
  n: number;
  mean: Float64Array;
  sd: Float64Array;
  fracZero: Float64Array;
  /** [quantile level, pair]. */
  quantiles: Float64Array[];
  /** Extra forecast name → [pair]. */
  extras: Record<string, Float64Array>;
  /** Annual harmonics of the validity time: sin and cos of 2π·(day of year)/365.25. */
  doySin: Float64Array;
  doyCos: Float64Array;
}

/** Day of year (fractional) → angle of the annual cycle. */
export function annualAngle(epochSeconds: number): number {
  const d = new Date(epochSeconds * 1000);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return (2 * Math.PI * ((epochSeconds * 1000 - start) / 86_400_000)) / 365.25;
}

/** Features of the pairs (time[i], station[i]) using the member positions `members`. */
export function pairFeatures(
  f: SiteForecast,
  time: Int32Array,
  station: Int32Array,
  members: number[],
  extraNames: string[],
): PairFeatures {
  const n = time.length;
  const S = f.stations.id.length;
  const M = f.members.length;
  const K = members.length;
  const mean = new Float64Array(n);
  const sd = new Float64Array(n);
  const fracZero = new Float64Array(n);
  const quantiles = MEMBER_QUANTILES.map(() => new Float64Array(n));
  const extras: Record<string, Float64Array> = {};
  for (const e of extraNames) extras[e] = new Float64Array(n);
  const doySin = new Float64Array(n);
  const doyCos = new Float64Array(n);
  const buf = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    const base = (time[i] * S + station[i]) * M;
    let sum = 0;
    let zeros = 0;
    for (let k = 0; k < K; k++) {
      const x = f.data[base + members[k]];
      buf[k] = x;
      sum += x;
      if (x <= 0) zeros++;
    }
    const mu = sum / K;
    let ss = 0;
    for (let k = 0; k < K; k++) ss += (buf[k] - mu) ** 2;
    mean[i] = mu;
    sd[i] = K > 1 ? Math.sqrt(ss / (K - 1)) : 0;
    fracZero[i] = zeros / K;
    buf.sort();
    // Linear interpolation between order statistics (Hyndman & Fan 1996, type 7).
    const q7 = (q: number) => {
      const h = (K - 1) * q;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, K - 1);
      return buf[lo] + (h - lo) * (buf[hi] - buf[lo]);
    };
    MEMBER_QUANTILES.forEach((q, j) => (quantiles[j][i] = q7(q)));
    for (const e of extraNames) {
      // A missing extra forecast (NaN) is replaced by the ensemble mean, in training and prediction alike.
      const xv = f.extras[e][time[i] * S + station[i]];
      extras[e][i] = Number.isFinite(xv) ? xv : mu;
    }
    const a = annualAngle(f.times[time[i]]);
    doySin[i] = Math.sin(a);
    doyCos[i] = Math.cos(a);
  }
  return { n, mean, sd, fracZero, quantiles, extras, doySin, doyCos };
}

/** The features of a subset of pairs (rows, in order). */
export function subsetFeatures(x: PairFeatures, rows: ArrayLike<number>): PairFeatures {
  const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]);
  const extras: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(x.extras)) extras[k] = pick(v);
  return {
    n: rows.length,
    mean: pick(x.mean),
    sd: pick(x.sd),
    fracZero: pick(x.fracZero),
    quantiles: x.quantiles.map(pick),
    extras,
    doySin: pick(x.doySin),
    doyCos: pick(x.doyCos),
  };
}
