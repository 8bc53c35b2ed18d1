/**
 * The predictive families of libs/sites, with closed-form CRPS and analytic gradients:
 * `normal` N(μ, σ²) (Gneiting et al. 2005, MWR 133, eq. 5) and `censored-logistic`, a logistic(μ, σ)
 * left-censored at 0 (Messner, Mayr, Zeileis & Wilks 2014, MWR 142), whose point mass at 0 is Λ(−μ/σ).
 */
import { normCdf, normalQuantile } from '../ensemble/normal.js';
import { crpsGaussianAndGrad } from '../scoring/crps.js';
import type { SiteFamily } from './types.js';

/** log(1 + eˣ) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** Logistic CDF Λ(x) = 1/(1 + e^−x). */
export function logistic(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * CRPS of the logistic(μ, σ) left-censored at 0 and its gradient (∂/∂μ, ∂/∂σ → grad[0..1]).
 * Uncensored logistic: σ[z − 2 log Λ(z) − 1], z = (y − μ)/σ (Jordan, Krüger & Lerch 2019, JSS 90, §B);
 * censoring at 0 removes ∫_{−∞}^{0} F(x)² dx = σ[softplus(l) − Λ(l)], l = −μ/σ (since Λ² = Λ − Λ(1 − Λ)).
 * So CRPS = σ h, h = z + 2 softplus(−z) − 1 − softplus(l) + Λ(l) for y ≥ 0; y < 0 adds −y (no gradient).
 * ∂/∂μ = −(h_z + h_l), ∂/∂σ = h − z h_z − l h_l with h_z = 2Λ(z) − 1, h_l = −Λ(l)².
 */
export function crpsCensoredLogisticAndGrad(
  mu: number,
  sigma: number,
  y: number,
  grad: Float64Array,
): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  const z = (yy - mu) / sigma;
  const l = -mu / sigma;
  const Ll = logistic(l);
  const h = z + 2 * softplus(-z) - 1 - softplus(l) + Ll;
  const hz = 2 * logistic(z) - 1;
  const hl = -Ll * Ll; // d/dl[−softplus(l) + Λ(l)] = −Λ + Λ(1 − Λ) = −Λ²
  grad[0] = -(hz + hl);
  grad[1] = h - z * hz - l * hl;
  return below + sigma * h;
}

/** CRPS of `family`(μ, σ) at y and its gradient (∂/∂μ, ∂/∂σ → grad[0..1]). */
export function crpsAndGrad(
  family: SiteFamily,
  mu: number,
  sigma: number,
  y: number,
  grad: Float64Array,
): number {
  return family === 'normal'
    ? crpsGaussianAndGrad(mu, sigma, y, grad)
    : crpsCensoredLogisticAndGrad(mu, sigma, y, grad);
}

const scratch = new Float64Array(2);

/** CRPS of `family`(μ, σ) at y (units of y). */
export function crps(family: SiteFamily, mu: number, sigma: number, y: number): number {
  return crpsAndGrad(family, mu, sigma, y, scratch);
}

/** P(Y ≤ x). */
export function cdf(family: SiteFamily, mu: number, sigma: number, x: number): number {
  if (family === 'normal') return normCdf((x - mu) / sigma);
  return x < 0 ? 0 : logistic((x - mu) / sigma);
}

/** The p-quantile (0 < p < 1); the censored family returns 0 for p ≤ P(Y = 0). */
export function quantile(family: SiteFamily, mu: number, sigma: number, p: number): number {
  if (family === 'normal') return normalQuantile(p, mu, sigma);
  if (p <= logistic(-mu / sigma)) return 0;
  return mu + sigma * Math.log(p / (1 - p));
}

/**
 * Mean and standard deviation. Normal: (μ, σ). Censored logistic: E[Y] = σ softplus(μ/σ) (∫_0^∞ P(Y > x) dx),
 * E[Y²] = 2σ² ∫_0^∞ u Λ(μ/σ − u) du by composite Simpson (600 intervals up to max(μ/σ, 0) + 40).
 */
export function meanStd(family: SiteFamily, mu: number, sigma: number): [number, number] {
  if (family === 'normal') return [mu, sigma];
  const m = mu / sigma;
  const mean = sigma * softplus(m);
  const upper = Math.max(m, 0) + 40;
  const n = 600;
  const h = upper / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    const u = i * h;
    const w = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    acc += w * u * logistic(m - u);
  }
  const second = 2 * sigma * sigma * ((acc * h) / 3);
  return [mean, Math.sqrt(Math.max(second - mean * mean, 0))];
}

/**
 * Probability integral transform of y. At the censoring point (y ≤ 0) the PIT is randomised uniformly on
 * [0, P(Y = 0)] with `u` ∈ [0, 1) (the randomised PIT of Czado, Gneiting & Held 2009, Biometrics 65).
 */
export function pit(family: SiteFamily, mu: number, sigma: number, y: number, u: number): number {
  if (family === 'normal') return normCdf((y - mu) / sigma);
  const F0 = logistic(-mu / sigma);
  return y <= 0 ? u * F0 : logistic((y - mu) / sigma);
}
