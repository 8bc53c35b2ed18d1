/**
 * Standard-normal and zero-truncated-normal distribution utilities in float64: φ, Φ, Φ⁻¹ and the
 * truncated normal's CDF and quantile. Used by the Gaussian scores, EMOS and ECC.
 */

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const INV_SQRT_2PI = 1 / SQRT_2PI;

/** Standard normal density φ(z) = exp(−z²/2)/√(2π). */
export function normPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * Standard normal CDF Φ(z): Hart (1968) algorithm 5666 as given by West (2005), "Better approximations to
 * cumulative normal functions", Wilmott Magazine — absolute error ≲ 1e-15; the tail (|z| ≥ 7.07) uses
 * the continued fraction. Evaluating the smaller tail directly keeps relative accuracy in both tails.
 */
export function normCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const a = Math.abs(z);
  let tail: number;
  if (a > 37) {
    tail = 0;
  } else {
    const e = Math.exp(-0.5 * a * a);
    if (a < 7.07106781186547) {
      let n = 3.52624965998911e-2 * a + 0.700383064443688;
      n = n * a + 6.37396220353165;
      n = n * a + 33.912866078383;
      n = n * a + 112.079291497871;
      n = n * a + 221.213596169931;
      n = n * a + 220.206867912376;
      let d = 8.83883476483184e-2 * a + 1.75566716318264;
      d = d * a + 16.064177579207;
      d = d * a + 86.7807322029461;
      d = d * a + 296.564248779674;
      d = d * a + 637.333633378831;
      d = d * a + 793.826512519948;
      d = d * a + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      tail = e / b / SQRT_2PI;
    }
  }
  return z > 0 ? 1 - tail : tail;
}

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

/**
 * Standard normal quantile Φ⁻¹(p): P. J. Acklam's rational approximation (relative error 1.15e-9)
 * refined by one Halley step on Φ, which brings it to ~1e-15. p ∉ (0,1) → ±Infinity / NaN.
 */
export function normPpf(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  let x: number;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - P_LOW) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  // Halley refinement (Acklam): e = Φ(x) − p, computed from the smaller tail so 1 − p keeps its digits.
  const e = p < 0.5 ? normCdf(x) - p : 1 - p - normCdf(-x);
  const u = e * SQRT_2PI * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** Normal quantile with location μ and scale σ. */
export function normalQuantile(p: number, mu: number, sigma: number): number {
  return mu + sigma * normPpf(p);
}

/** CDF at u of N(μ, σ²) truncated to [0, ∞): (Φ((u−μ)/σ) − Φ(−μ/σ)) / Φ(μ/σ); 0 below zero. */
export function truncNormCdf(u: number, mu: number, sigma: number): number {
  if (u <= 0) return 0;
  const lower = normCdf(-mu / sigma);
  const mass = normCdf(mu / sigma);
  return Math.min(1, Math.max(0, (normCdf((u - mu) / sigma) - lower) / mass));
}

/** Quantile of N(μ, σ²) truncated to [0, ∞): μ + σ Φ⁻¹(Φ(−μ/σ) + p Φ(μ/σ)) (inverse-CDF of the truncation). */
export function truncNormQuantile(p: number, mu: number, sigma: number): number {
  const lower = normCdf(-mu / sigma);
  const upperTail = normCdf(mu / sigma);
  // For strongly negative μ/σ, invert in the upper tail to keep digits: 1 − q = (1 − p)·Φ(μ/σ).
  if (lower > 0.5) return Math.max(0, mu - sigma * normPpf((1 - p) * upperTail));
  return Math.max(0, mu + sigma * normPpf(lower + p * upperTail));
}
