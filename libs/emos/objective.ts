/**
 * Mean CRPS of an EMOS model over training samples and its analytic gradient with respect to the optimiser's
 * parameters θ = [a, b_1..b_k, γ, δ], where the predictors are centred (and, for the mean, scaled) so the
 * problem is well conditioned: mean predictor μ = a + b·(x − c)/s, i.e. α = a − b·c/s, β = b/s;
 * realizations μ = a + Σ b_i²(x_i − c_i), i.e. α = a − Σ b_i² c_i, β_i = b_i; σ = √(γ² + δ²·var).
 */
import { crpsGaussianAndGrad, crpsTruncNormalAndGrad } from '../scoring/crps.js';
import type { EmosDistribution, EmosPredictor } from './types.js';

/** Training samples: predictors [k, N] (member-major for realizations), ensemble variance and truth [N]. */
export interface EmosSamples {
  predictors: Float64Array;
  k: number;
  variance: Float64Array;
  truth: Float64Array;
  n: number;
}

/**
 * Training samples delivered in consecutive chunks (e.g. read from disk one time at a time): fn is called
 * once per chunk in order and may return false to stop early. Every statistic below adds the chunks' samples
 * in the same order as one array of all of them would, so the results are bitwise the same.
 */
export type EmosChunks = (fn: (s: EmosSamples) => boolean | void) => void;

/** One array as a single chunk. */
export function oneChunk(s: EmosSamples): EmosChunks {
  return (fn) => void fn(s);
}

function chunksOf(s: EmosSamples | EmosChunks): EmosChunks {
  return typeof s === 'function' ? s : oneChunk(s);
}

export interface Centring {
  centre: Float64Array;
  scale: Float64Array;
}

/** Centres (means) and scales (std, mean predictor only) of the predictors. */
export function centring(samples: EmosSamples | EmosChunks, predictor: EmosPredictor): Centring {
  const each = chunksOf(samples);
  let k = -1;
  let n = 0;
  let sum = new Float64Array(0);
  each((s) => {
    if (k < 0) {
      k = s.k;
      sum = new Float64Array(k);
    }
    for (let j = 0; j < k; j++) for (let i = 0; i < s.n; i++) sum[j] += s.predictors[j * s.n + i];
    n += s.n;
  });
  k = Math.max(k, 0);
  const centre = new Float64Array(k);
  const scale = new Float64Array(k).fill(1);
  for (let j = 0; j < k; j++) centre[j] = sum[j] / n;
  if (predictor === 'mean') {
    const ss = new Float64Array(k);
    each((s) => {
      for (let j = 0; j < k; j++)
        for (let i = 0; i < s.n; i++) ss[j] += (s.predictors[j * s.n + i] - centre[j]) ** 2;
    });
    for (let j = 0; j < k; j++) {
      const sd = Math.sqrt(ss[j] / n);
      scale[j] = sd > 0 ? sd : 1;
    }
  }
  return { centre, scale };
}

/** The objective θ ↦ mean CRPS (Gneiting et al. 2005 eq. 5 / Thorarinsdottir & Gneiting 2010 eq. 6). */
export function emosObjective(
  samples: EmosSamples | EmosChunks,
  c: Centring,
  distribution: EmosDistribution,
  predictor: EmosPredictor,
): (theta: Float64Array, grad: Float64Array) => number {
  const each = chunksOf(samples);
  const k = c.centre.length;
  const crpsAndGrad = distribution === 'norm' ? crpsGaussianAndGrad : crpsTruncNormalAndGrad;
  const w = new Float64Array(k);
  const dw = new Float64Array(k);
  const g2 = new Float64Array(2);
  const byMean = predictor === 'mean';
  return (theta, grad) => {
    grad.fill(0);
    const a = theta[0];
    const gamma = theta[k + 1];
    const delta = theta[k + 2];
    const g2c = gamma * gamma;
    const d2 = delta * delta;
    // μ = a + Σ w_j (x_j − c_j); ∂μ/∂θ_j = dw_j (x_j − c_j).
    for (let j = 0; j < k; j++) {
      w[j] = byMean ? theta[1 + j] / c.scale[j] : theta[1 + j] ** 2;
      dw[j] = byMean ? 1 / c.scale[j] : 2 * theta[1 + j];
    }
    let total = 0;
    let gA = 0;
    let gG = 0;
    let gD = 0;
    let count = 0;
    let bad = false;
    each((s) => {
      const n = s.n;
      for (let i = 0; i < n; i++) {
        let mu = a;
        for (let j = 0; j < k; j++) mu += w[j] * (s.predictors[j * n + i] - c.centre[j]);
        const v = s.variance[i];
        const sigma = Math.sqrt(g2c + d2 * v);
        if (!(sigma > 0) || !Number.isFinite(mu)) {
          bad = true;
          return false;
        }
        total += crpsAndGrad(mu, sigma, s.truth[i], g2);
        const dmu = g2[0];
        const ds = g2[1] / sigma;
        gA += dmu;
        for (let j = 0; j < k; j++) grad[1 + j] += dmu * dw[j] * (s.predictors[j * n + i] - c.centre[j]);
        gG += ds * gamma;
        gD += ds * delta * v;
      }
      count += n;
    });
    if (bad) return Infinity;
    grad[0] = gA;
    grad[k + 1] = gG;
    grad[k + 2] = gD;
    for (let j = 0; j < grad.length; j++) grad[j] /= count;
    const f = total / count;
    return Number.isFinite(f) ? f : Infinity;
  };
}

/** θ (scaled) → IMPROVER coefficients [α, β_1..β_k, γ, δ]. */
export function toCoefficients(theta: Float64Array, c: Centring, predictor: EmosPredictor): Float64Array {
  const k = c.centre.length;
  const out = Float64Array.from(theta);
  let alpha = theta[0];
  for (let j = 0; j < k; j++) {
    if (predictor === 'mean') {
      out[1 + j] = theta[1 + j] / c.scale[j];
      alpha -= out[1 + j] * c.centre[j];
    } else {
      alpha -= theta[1 + j] ** 2 * c.centre[j];
    }
  }
  out[0] = alpha;
  return out;
}

/** IMPROVER coefficients → θ (inverse of toCoefficients). */
export function fromCoefficients(coef: Float64Array, c: Centring, predictor: EmosPredictor): Float64Array {
  const k = c.centre.length;
  const theta = Float64Array.from(coef);
  let a = coef[0];
  for (let j = 0; j < k; j++) {
    if (predictor === 'mean') {
      theta[1 + j] = coef[1 + j] * c.scale[j];
      a += coef[1 + j] * c.centre[j];
    } else a += coef[1 + j] ** 2 * c.centre[j];
  }
  theta[0] = a;
  return theta;
}
