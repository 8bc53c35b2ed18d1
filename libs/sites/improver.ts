/**
 * IMPROVER's point-by-point EMOS for site forecasts (estimate-emos-coefficients `--point-by-point`,
 * `--distribution norm`, predictor = ensemble mean), reproduced step by step from IMPROVER's
 * `EstimateCoefficientsForEnsembleCalibration`: per site, the initial guess is the ordinary least-squares fit
 * of the truths on the ensemble mean, [α, β, γ, δ] = [intercept, slope, 0, 1] in float32
 * (`compute_initial_guess`; the default [0, 1, 0, 1] when a site has a missing value); then SciPy's
 * Nelder–Mead with tol = xatol = fatol (`_minimise_caller`) on the mean normal CRPS with μ = α + β·mean,
 * σ = √(γ² + δ²·var) (`calculate_normal_crps`, Gneiting et al. 2005, MWR 133, eq. 5), in float64 on the
 * float32 ensemble mean and variance (IMPROVER casts the cubes to float64 before minimising).
 */
import { DataError, InvalidArgumentError } from '../contracts/errors.js';
import { normCdf } from '../ensemble/normal.js';
import { nelderMead } from '../emos/neldermead.js';
import { alignObservations } from './pairing.js';
import type { SiteForecast, SiteObservations } from './types.js';

export interface ImproverSitesOptions {
  /** IMPROVER `--tolerance` (default 0.02). */
  tolerance?: number;
  /** IMPROVER max_iterations (default 1000). */
  maxIterations?: number;
}

export interface ImproverSitesCoefficients {
  stations: string[];
  alpha: Float32Array;
  beta: Float32Array;
  gamma: Float32Array;
  delta: Float32Array;
  /** Sites whose minimisation hit maxIterations before the tolerance. */
  unconverged: number;
}

/** IMPROVER's BAD_VALUE for a non-finite μ/σ. */
const BAD_VALUE = 999999;
const SQRT_PI = Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** OLS intercept and slope of y on x (statsmodels OLS with a constant), float64. */
function ols(x: Float64Array, y: Float64Array): [number, number] {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  // statsmodels solves by the pseudo-inverse: a constant predictor gets slope 0 and the mean as intercept.
  const b = sxx > 0 ? sxy / sxx : 0;
  return [my - b * mx, b];
}

/** Estimate per-site EMOS coefficients the way IMPROVER's point-by-point site calibration does. */
export function estimateImproverSitesEmos(
  f: SiteForecast,
  obs: SiteObservations,
  o: ImproverSitesOptions = {},
): ImproverSitesCoefficients {
  const tol = o.tolerance ?? 0.02;
  const maxIterations = o.maxIterations ?? 1000;
  if (!(tol > 0)) throw new InvalidArgumentError(`tolerance must be > 0, got ${tol}`);
  const T = f.times.length;
  const S = f.stations.id.length;
  const M = f.members.length;
  if (M < 2) throw new DataError(`${f.source}: EMOS needs at least 2 realizations for a variance, got ${M}`);
  const { data: truth } = alignObservations(f, obs);
  const out: ImproverSitesCoefficients = {
    stations: f.stations.id,
    alpha: new Float32Array(S),
    beta: new Float32Array(S),
    gamma: new Float32Array(S),
    delta: new Float32Array(S),
    unconverged: 0,
  };
  for (let s = 0; s < S; s++) {
    // Ensemble mean and variance (ddof 1) over realizations in float32 arithmetic, as NumPy's mean and var
    // of the float32 cubes (sequential float32 sums along the realization axis).
    const mean = new Float64Array(T);
    const variance = new Float64Array(T);
    const y = new Float64Array(T);
    let anyNan = false;
    const f32 = Math.fround;
    for (let t = 0; t < T; t++) {
      const base = (t * S + s) * M;
      let sum = 0;
      for (let m = 0; m < M; m++) sum = f32(sum + f.data[base + m]);
      const mu = f32(sum / M);
      let ss = 0;
      for (let m = 0; m < M; m++) ss = f32(ss + f32(f32(f.data[base + m] - mu) ** 2));
      mean[t] = mu;
      variance[t] = f32(ss / (M - 1));
      y[t] = Math.fround(truth[t * S + s]);
      if (!Number.isFinite(mean[t]) || !Number.isFinite(y[t])) anyNan = true;
    }
    const guess = anyNan ? [0, 1, 0, 1] : [...ols(mean, y), 0, 1];
    if (y.every((v) => Number.isNaN(v))) {
      [out.alpha[s], out.beta[s], out.gamma[s], out.delta[s]] = guess;
      continue;
    }
    const crps = (x: Float64Array): number => {
      const [a, b] = [x[0], x[1]];
      const g = x[2] * x[2];
      const d = x[3] * x[3];
      let sum = 0;
      let n = 0;
      let minRatio = Infinity;
      for (let t = 0; t < T; t++) {
        const mu = a + b * mean[t];
        const sigma = Math.sqrt(g + d * variance[t]);
        minRatio = Math.min(minRatio, mu / sigma);
        if (Number.isNaN(y[t]) || Number.isNaN(mu)) continue;
        const z = (y[t] - mu) / sigma;
        sum += sigma * (z * (2 * normCdf(z) - 1) + 2 * INV_SQRT_2PI * Math.exp(-0.5 * z * z) - 1 / SQRT_PI);
        n++;
      }
      return Number.isFinite(minRatio) ? sum / n : BAD_VALUE;
    };
    const r = nelderMead(crps, Float64Array.from(guess, Math.fround), {
      xatol: tol,
      fatol: tol,
      maxIterations,
    });
    if (!r.converged) out.unconverged++;
    [out.alpha[s], out.beta[s], out.gamma[s], out.delta[s]] = r.x;
  }
  return out;
}
