/**
 * ApplyEmos: turn a raw ensemble into the calibrated distribution given EMOS coefficients (IMPROVER
 * ApplyEMOS): location μ = α + β·mean, scale σ = √(γ² + δ²·var(ddof 1)); then percentiles, probabilities
 * above thresholds and ECC members (Schefzik et al. 2013) on request. Configure once, then process.
 */
import { DataError, InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import { eccLevels, eccReorder } from '../ensemble/ecc.js';
import { normCdf, normPdf, normalQuantile, truncNormCdf, truncNormQuantile } from '../ensemble/normal.js';
import { memberMean, memberVariance } from '../ensemble/stats.js';
import type { EnsembleField, Grid } from '../ensemble/types.js';
import { sameGrid } from '../scoring/pairing.js';
import type { EmosCoefficients, EmosDistribution } from './types.js';

export interface ApplyEmosOptions {
  /** Percentiles (0 < p < 100) of the calibrated distribution to output. */
  percentiles?: number[];
  /** Thresholds (units of the variable) for probabilities of exceedance. */
  thresholds?: number[];
  /** Rebuild calibrated members by ECC (levels i/(m+1), reordered by the raw members' ranks). */
  realizations?: boolean;
}

/** The calibrated forecast on the input grid; every array is float32 [.., y, x]. */
export interface CalibratedForecast {
  variable: string;
  units: string;
  distribution: EmosDistribution;
  ny: number;
  nx: number;
  grid: Grid;
  validTime: number;
  initTime?: number;
  leadHours?: number;
  source: string;
  /** Distribution parameters μ and σ ([y, x]). */
  location: Float32Array;
  scale: Float32Array;
  /** Mean and standard deviation of the calibrated distribution (= μ, σ for `norm`). */
  mean: Float32Array;
  std: Float32Array;
  percentiles?: { levels: number[]; data: Float32Array };
  probabilities?: { thresholds: number[]; data: Float32Array };
  realizations?: { members: number[]; data: Float32Array };
}

export class ApplyEmos {
  private readonly percentiles: number[];
  private readonly thresholds: number[];
  private readonly realizations: boolean;

  constructor(options: ApplyEmosOptions = {}) {
    this.percentiles = options.percentiles ?? [];
    this.thresholds = options.thresholds ?? [];
    this.realizations = options.realizations ?? false;
    for (const p of this.percentiles)
      if (!(p > 0 && p < 100))
        throw new InvalidArgumentError(`percentile ${p} must be strictly between 0 and 100`);
    for (const t of this.thresholds)
      if (!Number.isFinite(t)) throw new InvalidArgumentError(`threshold ${t} is not a finite number`);
  }

  process(forecast: EnsembleField, c: EmosCoefficients): CalibratedForecast {
    const n = forecast.ny * forecast.nx;
    const m = forecast.members.length;
    if (c.diagnostic !== forecast.variable)
      throw new MismatchError(
        `${forecast.source} holds ${forecast.variable}, the coefficients calibrate ${c.diagnostic}`,
      );
    if (c.units !== forecast.units)
      throw new MismatchError(
        `${forecast.source} is in "${forecast.units}", the coefficients in "${c.units}"`,
      );
    if (c.pointByPoint && (c.ny !== forecast.ny || c.nx !== forecast.nx || !sameGrid(c.grid, forecast.grid)))
      throw new MismatchError(
        `${forecast.source} grid ${forecast.ny}×${forecast.nx} differs from the point-by-point coefficients' ${c.ny}×${c.nx}`,
      );
    if (c.predictor === 'realizations' && c.predictors !== m)
      throw new MismatchError(`${forecast.source} has ${m} members, the coefficients expect ${c.predictors}`);
    if (m < 2) throw new DataError(`${forecast.source}: EMOS needs at least 2 members, got ${m}`);

    const cn = c.pointByPoint ? n : 1;
    const mean = memberMean(forecast);
    const variance = memberVariance(forecast, 1, mean);
    const location = new Float32Array(n);
    const scale = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      const q = c.pointByPoint ? p : 0;
      let mu = c.alpha[q];
      if (c.predictor === 'mean') mu += c.beta[q] * mean[p];
      else for (let j = 0; j < m; j++) mu += c.beta[j * cn + q] ** 2 * forecast.data[j * n + p];
      const s2 = c.gamma[q] ** 2 + c.delta[q] ** 2 * variance[p];
      if (Number.isFinite(mu) && !(s2 > 0))
        throw new DataError(
          `${forecast.source}: calibrated variance γ² + δ²·var is ${s2} (not positive) at point ${p}`,
        );
      location[p] = mu;
      scale[p] = Math.sqrt(s2);
    }
    const trunc = c.distribution === 'truncnorm';
    const quantile = trunc ? truncNormQuantile : normalQuantile;
    const out: CalibratedForecast = {
      variable: forecast.variable,
      units: forecast.units,
      distribution: c.distribution,
      ny: forecast.ny,
      nx: forecast.nx,
      grid: forecast.grid,
      validTime: forecast.validTime,
      initTime: forecast.initTime,
      leadHours: forecast.leadHours,
      source: forecast.source,
      location,
      scale,
      mean: trunc ? new Float32Array(n) : location,
      std: trunc ? new Float32Array(n) : scale,
    };
    if (trunc) {
      // Moments of N(μ, σ²) truncated to [0, ∞) (Johnson, Kotz & Balakrishnan 1994, eq. 13.134/13.135):
      // λ = φ(μ/σ)/Φ(μ/σ), mean = μ + σλ, var = σ²(1 − λ·μ/σ − λ²).
      for (let p = 0; p < n; p++) {
        const x0 = location[p] / scale[p];
        const lambda = normPdf(x0) / normCdf(x0);
        out.mean[p] = location[p] + scale[p] * lambda;
        out.std[p] = scale[p] * Math.sqrt(Math.max(0, 1 - lambda * x0 - lambda * lambda));
      }
    }
    if (this.percentiles.length) {
      const data = new Float32Array(this.percentiles.length * n);
      this.percentiles.forEach((pc, k) => {
        for (let p = 0; p < n; p++) data[k * n + p] = quantile(pc / 100, location[p], scale[p]);
      });
      out.percentiles = { levels: [...this.percentiles], data };
    }
    if (this.thresholds.length) {
      const data = new Float32Array(this.thresholds.length * n);
      this.thresholds.forEach((t, k) => {
        for (let p = 0; p < n; p++)
          data[k * n + p] = trunc
            ? 1 - truncNormCdf(t, location[p], scale[p])
            : 1 - normCdf((t - location[p]) / scale[p]);
      });
      out.probabilities = { thresholds: [...this.thresholds], data };
    }
    if (this.realizations) {
      const levels = eccLevels(m);
      const q = new Float32Array(m * n);
      levels.forEach((lv, k) => {
        for (let p = 0; p < n; p++) q[k * n + p] = quantile(lv, location[p], scale[p]);
      });
      const data = eccReorder({ data: forecast.data, members: m, points: n }, q);
      out.realizations = { members: [...forecast.members], data };
    }
    return out;
  }
}
