/**
 * Per-point score accumulators for `epp evaluate` (DESIGN §2 metrics): empirical ensemble CRPS
 * (mean|x_i − y| − ΣΣ|x_i − x_j|/(2m²)), Gaussian CRPS of N(μ, σ²) (closed form), spread–skill ratio,
 * rank and PIT histograms. Means over every accumulated point, float64.
 */
import { normCdf } from '../../ensemble/normal.js';
import { crpsGaussian, ensembleCrpsSorted } from '../../scoring/crps.js';

/** Running (weighted) mean of a score over the points selected by a mask; n counts the points. */
export class MeanScore {
  sum = 0;
  w = 0;
  n = 0;
  add(v: number, w = 1): void {
    if (Number.isFinite(v)) {
      this.sum += w * v;
      this.w += w;
      this.n++;
    }
  }
  get mean(): number {
    return this.w ? this.sum / this.w : NaN;
  }
}

/** Empirical CRPS of the members [m, n] at point p (standard estimator, DESIGN §2). */
export function ensembleCrpsAt(
  members: Float32Array,
  m: number,
  n: number,
  p: number,
  y: number,
  buf: Float64Array,
): number {
  for (let i = 0; i < m; i++) buf[i] = members[i * n + p];
  const s = buf.subarray(0, m).sort();
  return ensembleCrpsSorted(s, m, y).crps;
}

export { crpsGaussian };

/** Spread–skill of Gaussian or ensemble forecasts: ssr = sqrt(mean var) / rmse(mean). */
export class SpreadSkill {
  private se = 0;
  private v = 0;
  private n = 0;
  add(mean: number, variance: number, y: number, w = 1): void {
    this.se += w * (mean - y) ** 2;
    this.v += w * variance;
    this.n += w;
  }
  get rmse(): number {
    return Math.sqrt(this.se / this.n);
  }
  get spread(): number {
    return Math.sqrt(this.v / this.n);
  }
  get ssr(): number {
    return this.spread / this.rmse;
  }
}

/** Rank histogram (m + 1 bins, rank = number of members < y) and PIT histogram of N(μ, σ²) (10 bins). */
export class Histograms {
  readonly rank: number[];
  readonly pit = new Array<number>(10).fill(0);
  constructor(members: number) {
    this.rank = new Array<number>(members + 1).fill(0);
  }
  addRank(members: Float32Array, m: number, n: number, p: number, y: number): void {
    let r = 0;
    for (let i = 0; i < m; i++) if (members[i * n + p] < y) r++;
    this.rank[r]++;
  }
  addPit(mu: number, sigma: number, y: number): void {
    const u = normCdf((y - mu) / sigma);
    this.pit[Math.min(9, Math.floor(u * 10))]++;
  }
}
