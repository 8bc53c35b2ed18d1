/**
 * The predictive families of libs/sites, with closed-form CRPS and gradients: `normal` N(μ, σ²) (Gneiting et
 * al. 2005, MWR 133, eq. 5), `censored-logistic`, a logistic(μ, σ) left-censored at 0 (Messner, Mayr, Zeileis &
 * Wilks 2014, MWR 142), whose point mass at 0 is Λ(−μ/σ), and `censored-shifted-gamma` (Scheuerer & Hamill
 * 2015, MWR 143): a gamma of mean μ and sd σ shifted left by δ (`shift`) and censored at 0, and
 * `hurdle-lognormal`: Y = 0 with probability 1 − π, else log-normal (μ, σ of log Y) — a two-part ("hurdle")
 * model whose dry probability is not tied to the amount distribution, and `censored-gev`: a generalised extreme
 * value distribution GEV(μ, σ, ξ) left-censored at 0 (Scheuerer 2014, QJRMS 140).
 * Every function takes the family's (μ, σ) and the third parameter `shift`: the CSG shift δ, the hurdle's wet
 * probability π, the GEV shape ξ (ignored by the other families).
 */
import jStat from 'jstat';
import { normCdf, normPdf, normalQuantile } from '../ensemble/normal.js';
import { crpsGaussianAndGrad } from '../scoring/crps.js';
import type { SiteFamily } from './types.js';

/** Whether the family is left-censored at 0 (a point mass at 0: precipitation). */
export function isCensored(family: SiteFamily): boolean {
  return family !== 'normal';
}

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

/** CRPS of `family`(μ, σ[, δ]) at y and its gradient (∂/∂μ, ∂/∂σ → grad[0..1]; CSG also ∂/∂δ → grad[2]). */
export function crpsAndGrad(
  family: SiteFamily,
  mu: number,
  sigma: number,
  y: number,
  grad: Float64Array,
  shift = 0,
): number {
  if (family === 'normal') return crpsGaussianAndGrad(mu, sigma, y, grad);
  if (family === 'censored-logistic') return crpsCensoredLogisticAndGrad(mu, sigma, y, grad);
  if (family === 'hurdle-lognormal') return crpsHurdleAndGrad(mu, sigma, shift, y, grad);
  if (family === 'censored-gev') return crpsGevAndGrad(mu, sigma, shift, y, grad);
  return crpsCsgAndGrad(mu, sigma, shift, y, grad);
}

/** CRPS of `family`(μ, σ[, δ]) at y (units of y). */
export function crps(family: SiteFamily, mu: number, sigma: number, y: number, shift = 0): number {
  if (family === 'normal') return crpsGaussianAndGrad(mu, sigma, y, scratch);
  if (family === 'censored-logistic') return crpsCensoredLogisticAndGrad(mu, sigma, y, scratch);
  if (family === 'hurdle-lognormal') return crpsHurdleAndGrad(mu, sigma, shift, y, scratch);
  if (family === 'censored-gev') return crpsGev(mu, sigma, shift, y);
  return crpsCsg(mu, sigma, shift, y);
}

const scratch = new Float64Array(2);

/** P(Y ≤ x). */
export function cdf(family: SiteFamily, mu: number, sigma: number, x: number, shift = 0): number {
  if (family === 'normal') return normCdf((x - mu) / sigma);
  if (family === 'censored-shifted-gamma') return cdfCsg(mu, sigma, shift, x);
  if (family === 'censored-gev') return x < 0 ? 0 : Math.exp(-gevT(mu, sigma, shift, x));
  if (family === 'hurdle-lognormal')
    return x < 0 ? 0 : 1 - shift + (x > 0 ? shift * normCdf((Math.log(x) - mu) / sigma) : 0);
  return x < 0 ? 0 : logistic((x - mu) / sigma);
}

/** The p-quantile (0 < p < 1); a censored family returns 0 for p ≤ P(Y = 0). */
export function quantile(family: SiteFamily, mu: number, sigma: number, p: number, shift = 0): number {
  if (family === 'normal') return normalQuantile(p, mu, sigma);
  if (family === 'censored-shifted-gamma') return quantileCsg(mu, sigma, shift, p);
  if (family === 'censored-gev') return quantileGev(mu, sigma, shift, p);
  if (family === 'hurdle-lognormal') {
    const q = (p - (1 - shift)) / shift;
    return q <= 0 ? 0 : Math.exp(mu + sigma * normalQuantile(Math.min(q, 1 - 1e-12), 0, 1));
  }
  if (p <= logistic(-mu / sigma)) return 0;
  return mu + sigma * Math.log(p / (1 - p));
}

/**
 * Mean and standard deviation. Normal: (μ, σ). CSG: meanStdCsg. Censored logistic: E[Y] = σ softplus(μ/σ)
 * (∫_0^∞ P(Y > x) dx), E[Y²] = 2σ² ∫_0^∞ u Λ(μ/σ − u) du by composite Simpson (600 intervals up to
 * max(μ/σ, 0) + 40).
 */
export function meanStd(family: SiteFamily, mu: number, sigma: number, shift = 0): [number, number] {
  if (family === 'normal') return [mu, sigma];
  if (family === 'censored-shifted-gamma') return meanStdCsg(mu, sigma, shift);
  if (family === 'censored-gev') return meanStdGev(mu, sigma, shift);
  if (family === 'hurdle-lognormal') {
    // E[Y] = π e^{μ+σ²/2}, E[Y²] = π e^{2μ+2σ²} (log-normal moments).
    const m1 = shift * Math.exp(mu + 0.5 * sigma * sigma);
    const m2 = shift * Math.exp(2 * mu + 2 * sigma * sigma);
    return [m1, Math.sqrt(Math.max(m2 - m1 * m1, 0))];
  }
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
export function pit(family: SiteFamily, mu: number, sigma: number, y: number, u: number, shift = 0): number {
  if (family === 'normal') return normCdf((y - mu) / sigma);
  const F0 = cdf(family, mu, sigma, 0, shift);
  return y <= 0 ? u * F0 : cdf(family, mu, sigma, y, shift);
}

// ---------------------------------------------------------------------------------------------------------
// Censored shifted gamma (Scheuerer & Hamill 2015, MWR 143, "CSG"): Y = max(0, X − δ), X ~ Gamma with mean
// μ and standard deviation σ (shape k = μ²/σ², scale θ = σ²/μ), δ ≥ 0 the shift; P(Y = 0) = G(δ).
// The regularised lower incomplete gamma P(k, x) is jStat's `lowRegGamma` (jstat, MIT).

/** Regularised lower incomplete gamma P(a, x) (0 for x ≤ 0). */
export function gammaP(a: number, x: number): number {
  if (!(x > 0)) return 0;
  if (x === Infinity) return 1;
  const v = jStat.lowRegGamma(a, x);
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function csgShape(mu: number, sigma: number): [number, number] {
  const k = (mu / sigma) ** 2;
  return [k, (sigma * sigma) / mu];
}

/**
 * CRPS of the CSG at y (Scheuerer & Hamill 2015, eq. 5; as in R ensembleMOS `crps.ensembleMOScsg0`):
 * θZ(2F_k(Z) − 1) − θC F_k(C)² + θk[1 + 2F_k(C)F_{k+1}(C) − F_k(C)² − 2F_{k+1}(Z)] − θk(1 − F_{2k}(2C)) B(½, k + ½)/π,
 * Z = (y + δ)/θ, C = δ/θ, F_a the standard gamma CDF of shape a; y < 0 adds −y (scored as 0).
 */
export function crpsCsg(mu: number, sigma: number, delta: number, y: number): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  const [k, th] = csgShape(mu, sigma);
  const Z = (yy + delta) / th;
  const C = delta / th;
  const FkZ = gammaP(k, Z);
  const FkC = gammaP(k, C);
  const Fk1C = gammaP(k + 1, C);
  const Fk1Z = gammaP(k + 1, Z);
  const F2k = gammaP(2 * k, 2 * C);
  const B = Math.exp(jStat.betaln(0.5, k + 0.5));
  return (
    below +
    th * Z * (2 * FkZ - 1) -
    th * C * FkC * FkC +
    th * k * (1 + 2 * FkC * Fk1C - FkC * FkC - 2 * Fk1Z) -
    (th * k * (1 - F2k) * B) / Math.PI
  );
}

/**
 * CRPS of the CSG and its gradient (∂/∂μ, ∂/∂σ, ∂/∂δ → grad[0..2]). ∂/∂δ is exact: differentiating
 * ∫_0^∞ (G(x + δ) − 1{x ≥ y})² dx gives 2F_k(Z) − 1 − F_k(C)²; ∂/∂μ and ∂/∂σ by central differences
 * (relative step 1e-4; the derivative of P(k, x) in the shape k has no closed form).
 */
export function crpsCsgAndGrad(
  mu: number,
  sigma: number,
  delta: number,
  y: number,
  grad: Float64Array,
): number {
  const c = crpsCsg(mu, sigma, delta, y);
  const hm = 1e-4 * mu;
  const hs = 1e-4 * sigma;
  grad[0] = (crpsCsg(mu + hm, sigma, delta, y) - crpsCsg(mu - hm, sigma, delta, y)) / (2 * hm);
  grad[1] = (crpsCsg(mu, sigma + hs, delta, y) - crpsCsg(mu, sigma - hs, delta, y)) / (2 * hs);
  if (grad.length > 2) {
    const [k, th] = csgShape(mu, sigma);
    const FkC = gammaP(k, delta / th);
    grad[2] = 2 * gammaP(k, (Math.max(y, 0) + delta) / th) - 1 - FkC * FkC;
  }
  return c;
}

/** CDF of the CSG: 0 below 0, G(x + δ) from 0 on. */
export function cdfCsg(mu: number, sigma: number, delta: number, x: number): number {
  if (x < 0) return 0;
  const [k, th] = csgShape(mu, sigma);
  return gammaP(k, (x + delta) / th);
}

/** p-quantile of the CSG: 0 for p ≤ G(δ), else θ P⁻¹(k, p) − δ (jStat `gammapinv`, Newton–Halley). */
export function quantileCsg(mu: number, sigma: number, delta: number, p: number): number {
  const [k, th] = csgShape(mu, sigma);
  if (p <= gammaP(k, delta / th)) return 0;
  return Math.max(th * jStat.gammapinv(p, k) - delta, 0);
}

/**
 * Mean and standard deviation of the CSG from E[X^n 1{X > δ}] = θⁿ Γ(k + n)/Γ(k) (1 − F_{k+n}(δ/θ)):
 * E[Y] = kθ(1 − F_{k+1}(C)) − δ(1 − F_k(C)), E[Y²] = k(k+1)θ²(1 − F_{k+2}(C)) − 2δkθ(1 − F_{k+1}(C)) + δ²(1 − F_k(C)).
 */
export function meanStdCsg(mu: number, sigma: number, delta: number): [number, number] {
  const [k, th] = csgShape(mu, sigma);
  const C = delta / th;
  const t0 = 1 - gammaP(k, C);
  const t1 = 1 - gammaP(k + 1, C);
  const t2 = 1 - gammaP(k + 2, C);
  const m1 = k * th * t1 - delta * t0;
  const m2 = k * (k + 1) * th * th * t2 - 2 * delta * k * th * t1 + delta * delta * t0;
  return [Math.max(m1, 0), Math.sqrt(Math.max(m2 - m1 * m1, 0))];
}

// ---------------------------------------------------------------------------------------------------------
// Hurdle log-normal: Y = 0 with probability 1 − π, else Y = Z ~ LN(μ, σ) (μ, σ of log Z).

/**
 * CRPS of the hurdle log-normal and its gradient (∂/∂μ, ∂/∂σ, ∂/∂π → grad[0..2]; y < 0 is scored as 0 plus
 * −y). From CRPS(F, y) = E|X − y| − ½E|X − X′| (Gneiting & Raftery 2007, JASA 102, eq. 21) for the mixture
 * X = 0 w.p. 1 − π, Z w.p. π: CRPS = (1 − π)y + π E|Z − y| − π(1 − π)E[Z] − ½π² E|Z − Z′|, with the
 * log-normal's closed forms (from its CRPS, Baran & Lerch 2015, QJRMS 141): m = E[Z] = e^{μ+σ²/2},
 * E|Z − Z′| = 2m(2Φ(σ/√2) − 1), E|Z − y| = y(2Φ(w) − 1) − m(2Φ(w − σ) − 1), w = (log y − μ)/σ.
 * Using yφ(w) = mφ(w − σ): ∂E|Z − y|/∂μ = −m(2Φ(w − σ) − 1), ∂E|Z − y|/∂σ = −σm(2Φ(w − σ) − 1) + 2yφ(w),
 * ∂E|Z − Z′|/∂μ = E|Z − Z′|, ∂E|Z − Z′|/∂σ = σE|Z − Z′| + 2√2 m φ(σ/√2).
 */
export function crpsHurdleAndGrad(
  mu: number,
  sigma: number,
  pi: number,
  y: number,
  grad: Float64Array,
): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  const m = Math.exp(mu + 0.5 * sigma * sigma);
  const w = yy > 0 ? (Math.log(yy) - mu) / sigma : -Infinity;
  const Fw = yy > 0 ? normCdf(w) : 0;
  const Fws = yy > 0 ? normCdf(w - sigma) : 0;
  const pw = yy > 0 ? normPdf(w) : 0;
  const s2 = sigma / Math.SQRT2;
  const ezz = 2 * m * (2 * normCdf(s2) - 1);
  const ezy = yy * (2 * Fw - 1) - m * (2 * Fws - 1);
  const value = (1 - pi) * yy + pi * ezy - pi * (1 - pi) * m - 0.5 * pi * pi * ezz;
  const dEzyMu = -m * (2 * Fws - 1);
  const dEzySigma = -sigma * m * (2 * Fws - 1) + 2 * yy * pw;
  const dEzzSigma = sigma * ezz + 2 * Math.SQRT2 * m * normPdf(s2);
  grad[0] = pi * dEzyMu - pi * (1 - pi) * m - 0.5 * pi * pi * ezz;
  grad[1] = pi * dEzySigma - pi * (1 - pi) * sigma * m - 0.5 * pi * pi * dEzzSigma;
  if (grad.length > 2) grad[2] = -yy + ezy - (1 - 2 * pi) * m - pi * ezz;
  return below + value;
}

// ---------------------------------------------------------------------------------------------------------
// Censored GEV (Scheuerer 2014, QJRMS 140, "Probabilistic quantitative precipitation forecasting using ensemble
// model output statistics"): Y = max(0, X), X ~ GEV(μ, σ, ξ), F(x) = exp(−t(x)), t(x) = (1 + ξ(x − μ)/σ)^(−1/ξ)
// (Gumbel e^{−(x−μ)/σ} at ξ = 0). T = t(X) is standard exponential and X = a + b T^{−ξ} with a = μ − σ/ξ,
// b = σ/ξ. Formulas in 1/ξ cancel near ξ = 0: for |ξ| below a threshold they are replaced by the cubic through
// four nodes ±h, ±2h (error O(h⁴)); Γ(x) = exp(jStat.gammaln(x)) (jStat's gammafn is only ~1e-7 accurate).

/** The largest |ξ| the site EMOS fits (ξ = GEV_XI_MAX·tanh(c)): ξ < ½ keeps the variance finite. */
export const GEV_XI_MAX = 0.45;
const GEV_H_CRPS = 1e-3;
const GEV_H_MOMENTS = 1e-2;

const gammaFn = (x: number) => Math.exp(jStat.gammaln(x));

/** t(x) of GEV(μ, σ, ξ): +∞ below the support (ξ > 0), 0 above it (ξ < 0). */
export function gevT(mu: number, sigma: number, xi: number, x: number): number {
  const z = (x - mu) / sigma;
  if (xi === 0) return Math.exp(-z);
  const u = xi * z;
  if (u <= -1) return xi > 0 ? Infinity : 0;
  return Math.exp(-Math.log1p(u) / xi);
}

/** f(ξ) for |ξ| < h by the cubic through f(±h), f(±2h) (Lagrange), else f(ξ). */
function nearZero(xi: number, h: number, f: (x: number) => number): number {
  if (Math.abs(xi) >= h) return f(xi);
  const nodes = [-2 * h, -h, h, 2 * h];
  let acc = 0;
  for (let k = 0; k < 4; k++) {
    let w = 1;
    for (let j = 0; j < 4; j++) if (j !== k) w *= (xi - nodes[j]) / (nodes[k] - nodes[j]);
    acc += w * f(nodes[k]);
  }
  return acc;
}

/**
 * CRPS of GEV(μ, σ, ξ) censored at 0, at y ≥ 0, for ξ ≠ 0, ξ < 1. Uncensored (Friederichs & Thorarinsdottir
 * 2012, Environmetrics 23, eq. 9): (μ − y − σ/ξ)(1 − 2F(y)) − (σ/ξ)[2^ξ Γ(1 − ξ) − 2Γ_l(1 − ξ, −log F(y))];
 * censoring removes ∫_{−∞}^{0} F(z)² dz = E[(−X₂)⁺], X₂ ~ F² = GEV(μ + σ(2^ξ − 1)/ξ, σ2^ξ, ξ) (max-stability),
 * = (σ/ξ − μ)F(0)² − (σ2^ξ/ξ) Γ_u(1 − ξ, −2 log F(0)) (from X₂ = a₂ + b₂T^{−ξ}; derived in the i12-gev note).
 */
function crpsGevRaw(mu: number, sigma: number, xi: number, y: number): number {
  const a = 1 - xi;
  const G = gammaFn(a);
  const ty = gevT(mu, sigma, xi, y);
  const t0 = gevT(mu, sigma, xi, 0);
  const Fy = Math.exp(-ty);
  const F0 = Math.exp(-t0);
  const s = sigma / xi;
  const p2 = 2 ** xi;
  const full = (mu - y - s) * (1 - 2 * Fy) - s * G * (p2 - 2 * gammaP(a, ty));
  const below = F0 === 0 ? 0 : (s - mu) * F0 * F0 - s * p2 * G * (1 - gammaP(a, 2 * t0));
  return full - below;
}

/** CRPS of the censored GEV at y (y < 0 is scored as 0 plus −y, as the other censored families). */
export function crpsGev(mu: number, sigma: number, xi: number, y: number): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  return below + nearZero(xi, GEV_H_CRPS, (x) => crpsGevRaw(mu, sigma, x, yy));
}

/**
 * CRPS of the censored GEV and its gradient (∂/∂μ, ∂/∂σ, ∂/∂ξ → grad[0..2]). ∂/∂μ = 1 − 2F(y) + F(0)² (the
 * derivative of a location family's CRPS is −∂/∂y = 1 − 2F(y); of the removed ∫_{−∞}^{0} F(z − μ)² dz it is
 * −F(0)²); ∂/∂σ from the CRPS being homogeneous of degree 1 in (μ, σ, y): σ∂σ = CRPS − μ∂μ − y(2F(y) − 1);
 * ∂/∂ξ by a central difference (step 1e-5).
 */
export function crpsGevAndGrad(mu: number, sigma: number, xi: number, y: number, grad: Float64Array): number {
  const yy = y < 0 ? 0 : y;
  const c = crpsGev(mu, sigma, xi, y);
  const cc = c - (y < 0 ? -y : 0);
  const Fy = Math.exp(-gevT(mu, sigma, xi, yy));
  const F0 = Math.exp(-gevT(mu, sigma, xi, 0));
  const dmu = 1 - 2 * Fy + F0 * F0;
  grad[0] = dmu;
  grad[1] = (cc - mu * dmu - yy * (2 * Fy - 1)) / sigma;
  if (grad.length > 2) {
    const h = 1e-5;
    grad[2] = (crpsGev(mu, sigma, xi + h, yy) - crpsGev(mu, sigma, xi - h, yy)) / (2 * h);
  }
  return c;
}

/** p-quantile of the censored GEV: 0 for p ≤ F(0), else μ + σ((−log p)^{−ξ} − 1)/ξ (expm1 form, stable at ξ → 0). */
export function quantileGev(mu: number, sigma: number, xi: number, p: number): number {
  if (p <= Math.exp(-gevT(mu, sigma, xi, 0))) return 0;
  const l = Math.log(-Math.log(p));
  const q = xi === 0 ? mu - sigma * l : mu + (sigma * Math.expm1(-xi * l)) / xi;
  return Math.max(q, 0);
}

/**
 * Mean and standard deviation of the censored GEV (ξ < ½). With L = t(0), X > 0 ⟺ T < L, so
 * E[Y] = a(1 − e^{−L}) + bΓ_l(1 − ξ, L), E[Y²] = a²(1 − e^{−L}) + 2abΓ_l(1 − ξ, L) + b²Γ_l(1 − 2ξ, L).
 */
export function meanStdGev(mu: number, sigma: number, xi: number): [number, number] {
  const moment = (n: 1 | 2) => (x: number) => {
    const L = gevT(mu, sigma, x, 0);
    const a = mu - sigma / x;
    const b = sigma / x;
    const e = L === Infinity ? 1 : -Math.expm1(-L);
    const g1 = gammaFn(1 - x) * gammaP(1 - x, L);
    if (n === 1) return a * e + b * g1;
    return a * a * e + 2 * a * b * g1 + b * b * gammaFn(1 - 2 * x) * gammaP(1 - 2 * x, L);
  };
  const m1 = Math.max(nearZero(xi, GEV_H_MOMENTS, moment(1)), 0);
  const m2 = nearZero(xi, GEV_H_MOMENTS, moment(2));
  return [m1, Math.sqrt(Math.max(m2 - m1 * m1, 0))];
}
