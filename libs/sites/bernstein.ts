/**
 * Bernstein quantile functions for the site DRN's quantile output (Bremnes 2020, MWR 148; Schulz & Lerch 2022,
 * MWR 150, "BQN"): Q(τ) = Σ_j α_j B_{j,d}(τ), B_{j,d}(τ) = C(d, j) τ^j (1 − τ)^{d−j}, with non-decreasing
 * coefficients α (hence a non-decreasing Q; the network outputs α_0 and the increments through a softplus);
 * for precipitation censored at 0: Q⁺(τ) = max(Q(τ), 0). Plain float64 maths (no tensors): CRPS in closed
 * form, CDF by inversion, quantiles, moments and the randomised PIT. Coefficients of pair i sit at
 * values[i·(d+1) … i·(d+1) + d].
 */
import { DataError } from '../contracts/errors.js';
import { normalQuantile } from '../ensemble/normal.js';

/** Binomial coefficient C(n, k) (exact in float64 for the degrees used here). */
function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** The Bernstein basis B_{j,n}(t), j = 0..n, into `out` (length n + 1). */
export function bernsteinBasis(n: number, t: number, out = new Float64Array(n + 1)): Float64Array {
  for (let j = 0; j <= n; j++) out[j] = binom(n, j) * t ** j * (1 - t) ** (n - j);
  return out;
}

/** Q(τ) = Σ α_j B_{j,d}(τ) by de Casteljau's algorithm (stable; Farin 2002, "Curves and Surfaces" §4). */
export function bernsteinValue(a: ArrayLike<number>, off: number, d: number, t: number): number {
  const b = new Float64Array(d + 1);
  for (let j = 0; j <= d; j++) b[j] = a[off + j];
  for (let r = 1; r <= d; r++) for (let j = 0; j <= d - r; j++) b[j] = (1 - t) * b[j] + t * b[j + 1];
  return b[0];
}

/** log(1 + eˣ). */
const softplus = (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** The BQN's monotone coefficients from raw outputs: α_0 = r_0, α_j = α_{j−1} + softplus(r_j) (S&L 2022 §2c). */
export function monotoneCoefficients(raw: ArrayLike<number>): Float64Array {
  const a = new Float64Array(raw.length);
  a[0] = raw[0];
  for (let j = 1; j < raw.length; j++) a[j] = a[j - 1] + softplus(raw[j]);
  return a;
}

/** Degrees a BQN may have (fit options and stored models alike). */
export const MAX_BERNSTEIN_DEGREE = 30;

/** Whether `d` is an admissible BQN degree: an integer from 1 to MAX_BERNSTEIN_DEGREE. */
export function isBernsteinDegree(d: unknown): boolean {
  return Number.isInteger(d) && (d as number) >= 1 && (d as number) <= MAX_BERNSTEIN_DEGREE;
}

/**
 * Coefficients read back from a file (`where` names it): per forecast all null (no forecast → NaN) or all
 * finite and non-decreasing, the monotone quantile function every function here assumes (the CDF and CRPS
 * find F(y) by bisection); anything else would be scored silently wrong, so it fails closed (DataError).
 */
export function readBernsteinCoefficients(values: unknown[], degree: number, where: string): Float64Array {
  const w = degree + 1;
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k += w) {
    const isNull = values[k] === null;
    for (let j = 0; j < w; j++) {
      const v = values[k + j];
      const ok = isNull
        ? v === null
        : typeof v === 'number' && Number.isFinite(v) && (j === 0 || v >= out[k + j - 1]);
      if (!ok)
        throw new DataError(
          `${where}: pair ${k / w} must have all-null or finite, non-decreasing coefficients`,
        );
      out[k + j] = isNull ? NaN : (v as number);
    }
  }
  return out;
}

/** The quantile levels of the training loss: τ_k = k/100, k = 1..99 (Schulz & Lerch 2022's grid). */
export const BQN_LEVELS: readonly number[] = Array.from({ length: 99 }, (_, k) => (k + 1) / 100);

/** The smallest increment of the base shape (in units of the base scale σ): keeps softplus⁻¹ finite. */
const SHAPE_MIN_STEP = 0.05;

const shapes = new Map<string, Float64Array>();

/**
 * Non-decreasing Bernstein coefficients c of the standard base quantile function (logit τ for the censored
 * logistic, Φ⁻¹(τ) for the normal): least squares on BQN_LEVELS subject to c_j − c_{j−1} ≥ SHAPE_MIN_STEP, by
 * exact coordinate descent on the increments (a convex quadratic with bounds). The base EMOS's (μ, σ) map to
 * α = μ + σc (Bernstein polynomials sum to 1), the start the network corrects. Cached per (degree, family).
 */
export function baseShape(d: number, family: 'normal' | 'censored-logistic'): Float64Array {
  const key = `${family}:${d}`;
  const hit = shapes.get(key);
  if (hit) return hit;
  const q = BQN_LEVELS.map((t) => (family === 'normal' ? normalQuantile(t, 0, 1) : Math.log(t / (1 - t))));
  // Design in the increments z: c_j = Σ_{m≤j} z_m, so column m of M is Σ_{j≥m} B_{j,d}.
  const D = d + 1;
  const G = new Float64Array(D * D);
  const h = new Float64Array(D);
  const col = new Float64Array(D);
  const b = new Float64Array(D);
  BQN_LEVELS.forEach((t, k) => {
    bernsteinBasis(d, t, b);
    let s = 0;
    for (let j = d; j >= 0; j--) col[j] = s += b[j];
    for (let i = 0; i < D; i++) {
      h[i] += col[i] * q[k];
      for (let j = 0; j < D; j++) G[i * D + j] += col[i] * col[j];
    }
  });
  const z = new Float64Array(D).fill(SHAPE_MIN_STEP);
  z[0] = -SHAPE_MIN_STEP * (D / 2);
  for (let it = 0; it < 20000; it++)
    for (let i = 0; i < D; i++) {
      let g = h[i];
      for (let j = 0; j < D; j++) if (j !== i) g -= G[i * D + j] * z[j];
      const v = g / G[i * D + i];
      z[i] = i > 0 && v < SHAPE_MIN_STEP ? SHAPE_MIN_STEP : v;
    }
  const c = new Float64Array(D);
  let s = 0;
  for (let j = 0; j < D; j++) c[j] = s += z[j];
  shapes.set(key, c);
  return c;
}

/** A BQN predictive distribution of one pair: coefficients a[off..off+d], censored at 0 or not. */
export interface BernsteinForecast {
  a: ArrayLike<number>;
  off: number;
  d: number;
  censored: boolean;
}

/**
 * F(x) = sup{τ : Q⁺(τ) ≤ x} by bisection on the non-decreasing Q (60 halvings: to ~1e-18 in τ). Below 0 a
 * censored forecast has F = 0; below Q(0) and from Q(1) on (the support's ends) 0 and 1.
 */
export function bernsteinCdf(f: BernsteinForecast, x: number): number {
  if (f.censored && x < 0) return 0;
  if (x < f.a[f.off]) return 0;
  if (x >= f.a[f.off + f.d]) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const m = 0.5 * (lo + hi);
    if (bernsteinValue(f.a, f.off, f.d, m) <= x) lo = m;
    else hi = m;
  }
  return lo;
}

/** The p-quantile Q⁺(p) (0 ≤ p ≤ 1). */
export function bernsteinQuantile(f: BernsteinForecast, p: number): number {
  const q = bernsteinValue(f.a, f.off, f.d, p);
  return f.censored ? Math.max(q, 0) : q;
}

/**
 * ∫_t^1 P(τ) dτ for a Bernstein polynomial of degree n with coefficients g: from ∫_0^t B_{j,n} =
 * (1/(n+1)) Σ_{k>j} B_{k,n+1}(t) (Farouki 2012, CAGD 29, eq. 16), ∫_t^1 P = (1/(n+1)) Σ_k B_{k,n+1}(t) Σ_{j≥k} g_j.
 */
function tailIntegral(g: Float64Array, t: number): number {
  const n = g.length - 1;
  const B = bernsteinBasis(n + 1, t);
  let acc = 0;
  let tail = 0;
  for (let k = n; k >= 0; k--) {
    tail += g[k];
    acc += B[k] * tail;
  }
  return acc / (n + 1);
}

/** α of the pair as a Float64Array, and τ·Q(τ) as a degree d + 1 Bernstein polynomial (τB_{j,d} = (j+1)/(d+1) B_{j+1,d+1}). */
function coefficients(f: BernsteinForecast): [Float64Array, Float64Array] {
  const a = Float64Array.from({ length: f.d + 1 }, (_, j) => f.a[f.off + j]);
  const ta = new Float64Array(f.d + 2);
  for (let j = 0; j <= f.d; j++) ta[j + 1] = (a[j] * (j + 1)) / (f.d + 1);
  return [a, ta];
}

/** The level where Q crosses 0 (0 if Q(0) ≥ 0; 1 if Q(1) ≤ 0); uncensored forecasts: 0. */
function zeroLevel(f: BernsteinForecast): number {
  if (!f.censored || f.a[f.off] >= 0) return 0;
  return bernsteinCdf({ ...f, censored: false }, 0);
}

/**
 * CRPS of a BQN forecast at y, exact: CRPS = 2∫_0^1 QS_τ(Q⁺(τ), y) dτ (Gneiting & Ranjan 2011, JBES 29, eq. 5;
 * QS_τ(q, y) = (1{y < q} − τ)(q − y)). With τ_y = F(y) and τ_0 the level where Q crosses 0 (Q⁺ = 0 below it):
 * CRPS = 2[∫_{max(τ_y, τ_0)}^1 Q dτ − y(1 − τ_y) − ∫_{τ_0}^1 τQ dτ + y/2], the integrals of the Bernstein
 * polynomials in closed form (tailIntegral); only τ_y and τ_0 are found numerically (bisection, bernsteinCdf).
 */
export function bernsteinCrps(f: BernsteinForecast, y: number): number {
  const [a, ta] = coefficients(f);
  const ty = bernsteinCdf(f, y);
  const t0 = zeroLevel(f);
  return 2 * (tailIntegral(a, Math.max(ty, t0)) - y * (1 - ty) - tailIntegral(ta, t0) + y / 2);
}

/**
 * Mean and standard deviation: E[Y] = ∫_{τ_0}^1 Q dτ, E[Y²] = ∫_{τ_0}^1 Q² dτ, with Q² the degree 2d Bernstein
 * polynomial (Q²)_k = Σ_{i+j=k} C(d,i)C(d,j)/C(2d,k) α_iα_j (Farouki & Rajan 1988, CAGD 5, product rule).
 */
export function bernsteinMeanStd(f: BernsteinForecast): [number, number] {
  const [a] = coefficients(f);
  const d = f.d;
  const sq = new Float64Array(2 * d + 1);
  for (let i = 0; i <= d; i++)
    for (let j = 0; j <= d; j++) sq[i + j] += (binom(d, i) * binom(d, j) * a[i] * a[j]) / binom(2 * d, i + j);
  const t0 = zeroLevel(f);
  const m1 = tailIntegral(a, t0);
  const m2 = tailIntegral(sq, t0);
  return [m1, Math.sqrt(Math.max(m2 - m1 * m1, 0))];
}

/** Randomised PIT (Czado, Gneiting & Held 2009): uniform on [0, F(0)] with u ∈ [0, 1) at a censored y ≤ 0, else F(y). */
export function bernsteinPit(f: BernsteinForecast, y: number, u: number): number {
  if (f.censored && y <= 0) return u * bernsteinCdf(f, 0);
  return bernsteinCdf(f, y);
}
