/**
 * Point-wise CRPS family (units of the variable; one forecast/truth pair in, one number out). The
 * ensemble estimators work on members sorted ascending, which makes Σ_i Σ_j |x_i − x_j| an O(m) sum.
 */
import { normCdf, normPdf } from '../ensemble/normal.js';

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const SQRT2 = Math.SQRT2;

/** CRPS and its fair variant for one point, from the m sorted members. */
export interface EnsembleCrps {
  crps: number;
  fair: number;
}

/**
 * Ensemble CRPS (DESIGN §2; Gneiting & Raftery 2007 eq. 21 "energy form"):
 * crps = mean_i|x_i − y| − S/(2m²), fair = mean_i|x_i − y| − S/(2m(m−1)) (Ferro 2014),
 * with S = Σ_iΣ_j|x_i − x_j| = 2 Σ_i (2i − m − 1) x_(i) for sorted x (1-based i).
 */
export function ensembleCrpsSorted(sorted: Float64Array, m: number, y: number): EnsembleCrps {
  let absErr = 0;
  let s = 0;
  for (let i = 0; i < m; i++) {
    const x = sorted[i];
    absErr += Math.abs(x - y);
    s += (2 * i + 1 - m) * x; // (2(i+1) − m − 1) with 0-based i
  }
  const mae = absErr / m;
  const pair = 2 * s; // Σ_iΣ_j |x_i − x_j|
  return { crps: mae - pair / (2 * m * m), fair: m > 1 ? mae - pair / (2 * m * (m - 1)) : mae };
}

/**
 * Closed-form CRPS of N(μ, σ²) (Gneiting et al. 2005, MWR 133, eq. 5):
 * σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ. σ = 0 gives the point-mass limit |y − μ|.
 */
export function crpsGaussian(mu: number, sigma: number, y: number): number {
  if (sigma === 0) return Math.abs(y - mu);
  const z = (y - mu) / sigma;
  return sigma * (z * (2 * normCdf(z) - 1) + 2 * normPdf(z) - INV_SQRT_PI);
}

/** ∂CRPS/∂μ and ∂CRPS/∂σ of the Gaussian closed form: (1 − 2Φ(z), 2φ(z) − 1/√π). */
export function crpsGaussianGrad(mu: number, sigma: number, y: number): [number, number] {
  const z = (y - mu) / sigma;
  return [1 - 2 * normCdf(z), 2 * normPdf(z) - INV_SQRT_PI];
}

/** Gaussian CRPS and its gradient in one pass (one Φ and one φ): writes (∂/∂μ, ∂/∂σ) into grad[0..1]. */
export function crpsGaussianAndGrad(mu: number, sigma: number, y: number, grad: Float64Array): number {
  const z = (y - mu) / sigma;
  const F = normCdf(z);
  const f = normPdf(z);
  grad[0] = 1 - 2 * F;
  grad[1] = 2 * f - INV_SQRT_PI;
  return sigma * (z * (2 * F - 1) + 2 * f - INV_SQRT_PI);
}

/**
 * CRPS of N(μ, σ²) truncated to [0, ∞) (Thorarinsdottir & Gneiting 2010, JRSS A 173, eq. 6; the form
 * IMPROVER minimises), with p = Φ(μ/σ), z = (y − μ)/σ:
 * σ/p² [z p (2Φ(z) + p − 2) + 2φ(z) p − Φ(√2 μ/σ)/√π]. For y < 0 the score is CRPS(y=0) − y.
 */
export function crpsTruncNormal(mu: number, sigma: number, y: number): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  const z = (yy - mu) / sigma;
  const x0 = mu / sigma;
  const p = normCdf(x0);
  return (
    below +
    (sigma / (p * p)) *
      (z * p * (2 * normCdf(z) + p - 2) + 2 * normPdf(z) * p - normCdf(SQRT2 * x0) * INV_SQRT_PI)
  );
}

/**
 * Gradient (∂/∂μ, ∂/∂σ) of crpsTruncNormal (y < 0 adds −y, which has no gradient), by differentiating CRPS = σ h(z, x0) with
 * z = (y − μ)/σ, x0 = μ/σ: ∂/∂μ = −h_z + h_x0, ∂/∂σ = h − z h_z − x0 h_x0.
 */
export function crpsTruncNormalGrad(mu: number, sigma: number, y: number): [number, number] {
  const g = new Float64Array(2);
  crpsTruncNormalAndGrad(mu, sigma, y, g);
  return [g[0], g[1]];
}

/** crpsTruncNormal and its gradient (∂/∂μ, ∂/∂σ → grad[0..1]) in one pass; the score is σ·h. */
export function crpsTruncNormalAndGrad(mu: number, sigma: number, y: number, grad: Float64Array): number {
  const below = y < 0 ? -y : 0;
  const yy = y < 0 ? 0 : y;
  const z = (yy - mu) / sigma;
  const x0 = mu / sigma;
  const p = normCdf(x0);
  const fx0 = normPdf(x0);
  const Fz = normCdf(z);
  const fz = normPdf(z);
  const F2 = normCdf(SQRT2 * x0);
  const h = (z * (2 * Fz + p - 2)) / p + (2 * fz) / p - (F2 * INV_SQRT_PI) / (p * p);
  const hz = (2 * Fz + p - 2) / p;
  const hx0 =
    (-z * (2 * Fz - 2) * fx0) / (p * p) -
    (2 * fz * fx0) / (p * p) -
    (SQRT2 * normPdf(SQRT2 * x0) * INV_SQRT_PI) / (p * p) +
    (2 * F2 * fx0 * INV_SQRT_PI) / (p * p * p);
  grad[0] = -hz + hx0;
  grad[1] = h - z * hz - x0 * hx0;
  return below + sigma * h;
}

/**
 * Threshold-weighted ensemble CRPS with weight w(z) = 1{z > t} (Gneiting & Ranjan 2011, JBES 29, eq. 14;
 * ensemble form via the chaining function v(z) = max(z, t), Allen et al. 2023, SIAM/ASA JUQ 11, §3):
 * the standard ensemble CRPS of max(x_i, t) against max(y, t). Sorted members stay sorted under max.
 */
export function twCrpsEnsembleSorted(sorted: Float64Array, m: number, y: number, t: number): number {
  let absErr = 0;
  let s = 0;
  const vy = y > t ? y : t;
  for (let i = 0; i < m; i++) {
    const v = sorted[i] > t ? sorted[i] : t;
    absErr += Math.abs(v - vy);
    s += (2 * i + 1 - m) * v;
  }
  return absErr / m - (2 * s) / (2 * m * m);
}

/** A(a) = ∫_{−∞}^{a} Φ(u)² du = aΦ(a)² + 2φ(a)Φ(a) − Φ(√2 a)/√π (integration by parts). */
function phiSquaredIntegral(a: number): number {
  if (a === -Infinity) return 0;
  const F = normCdf(a);
  return a * F * F + 2 * normPdf(a) * F - normCdf(SQRT2 * a) * INV_SQRT_PI;
}

/**
 * Threshold-weighted CRPS of N(μ, σ²) with w(z) = 1{z > t} (Gneiting & Ranjan 2011 eq. 14), closed form:
 * ∫_t^∞ (F(u) − 1{y ≤ u})² du = σ[A(z′) − A(τ) + A(−z′)], τ = (t − μ)/σ, z′ = max((y − μ)/σ, τ).
 */
export function twCrpsGaussian(mu: number, sigma: number, y: number, t: number): number {
  if (sigma === 0) return Math.abs(Math.max(y, t) - Math.max(mu, t));
  const tau = (t - mu) / sigma;
  const z = Math.max((y - mu) / sigma, tau);
  return sigma * (phiSquaredIntegral(z) - phiSquaredIntegral(tau) + phiSquaredIntegral(-z));
}
