/**
 * Stronger statistical baselines for `epp evaluate` (issue 14 §4), fitted point by point on the training
 * years: EMOS whose location has extra linear predictors, μ = α + Σ_j β_j·x_j, σ² = γ² + δ²·var (ddof 1),
 * minimising the mean closed-form Gaussian CRPS (Gneiting et al. 2005, Mon. Wea. Rev. 133, eq. 5) with the
 * same objective, centring and BFGS as libs/emos (predictor `mean` with k columns).
 *
 * - seasonal: α and β vary with the day of year through the first annual harmonic (x = mean, cos d, sin d,
 *   mean·cos d, mean·sin d; d = 2π·day/365.25), as in the harmonic "seasonal" NGR of Lang et al. 2020
 *   (Nonlin. Processes Geophys. 27, 23–34); γ, δ are constant per point.
 * - local: + the spherical Laplacian of the subset-mean z850 and of the ensemble mean of the target (what a
 *   CNN sees through a 3×3 kernel, and what error model 1's member error depends on).
 * - seasonal_local: both.
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import { bfgs } from '../../emos/bfgs.js';
import {
  centring,
  emosObjective,
  fromCoefficients,
  toCoefficients,
  type EmosSamples,
} from '../../emos/objective.js';

/** Earth radius (m), as in the testbed's QG model. */
const EARTH_RADIUS = 6.371e6;

/**
 * Spherical Laplacian of f on a regular lat–lon grid, [ny, nx] row-major, periodic in longitude:
 * ∇²f = (1/(a² cos φ)) ∂φ(cos φ ∂φ f) + (1/(a² cos² φ)) ∂²λ f (e.g. Holton & Hakim 2013, An Introduction to
 * Dynamic Meteorology, 5th ed., appendix C), second-order centred differences with cos φ at the half rows;
 * cos φ at the rows is bounded below by cos 87° (the testbed's own polar bound) and the pole rows are 0.
 */
export function sphericalLaplacian(
  f: Float32Array,
  latitudes: ArrayLike<number>,
  ny: number,
  nx: number,
): Float32Array {
  const out = new Float32Array(ny * nx);
  const rad = Math.PI / 180;
  const dphi = Math.abs(latitudes[1] - latitudes[0]) * rad;
  const dlam = (2 * Math.PI) / nx;
  const cosMin = Math.cos(87 * rad);
  for (let i = 1; i < ny - 1; i++) {
    const phi = latitudes[i] * rad;
    const c = Math.max(Math.cos(phi), cosMin);
    const cUp = Math.cos(((latitudes[i - 1] + latitudes[i]) / 2) * rad);
    const cDn = Math.cos(((latitudes[i + 1] + latitudes[i]) / 2) * rad);
    const a2 = EARTH_RADIUS * EARTH_RADIUS;
    for (let j = 0; j < nx; j++) {
      const p = i * nx + j;
      const fe = f[i * nx + ((j + 1) % nx)];
      const fw = f[i * nx + ((j - 1 + nx) % nx)];
      const fn = f[p - nx];
      const fs = f[p + nx];
      const lam = (fe - 2 * f[p] + fw) / (c * c * dlam * dlam);
      const mer = (cUp * (fn - f[p]) - cDn * (f[p] - fs)) / (c * dphi * dphi);
      out[p] = (lam + mer) / a2;
    }
  }
  return out;
}

/** The first annual harmonic of a valid time (epoch s): [cos d, sin d], d = 2π·(day of year)/365.25. */
export function annualHarmonic(validTime: number): [number, number] {
  const t = new Date(validTime * 1000);
  const start = Date.UTC(t.getUTCFullYear(), 0, 1) / 1000;
  const d = (2 * Math.PI * ((validTime - start) / 86400)) / 365.25;
  return [Math.cos(d), Math.sin(d)];
}

export type ExtendedEmosKind = 'seasonal' | 'local' | 'seasonal_local';

/** One training or test sample's fields at the target lead ([n] each). */
export interface ExtendedEmosSample {
  validTime: number;
  /** Ensemble mean and variance (ddof 1) of the target. */
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  /** Spherical Laplacians of the subset-mean z850 and of the target's ensemble mean (kinds with `local`). */
  lapZ850?: ArrayLike<number>;
  lapTarget?: ArrayLike<number>;
}

export function predictorCount(kind: ExtendedEmosKind): number {
  return 1 + (kind === 'local' ? 0 : 4) + (kind === 'seasonal' ? 0 : 2);
}

/** Location predictors of a sample at point p into out[0..k): see the file comment. */
function predictors(kind: ExtendedEmosKind, s: ExtendedEmosSample, p: number, out: Float64Array): void {
  const m = s.mean[p];
  let j = 0;
  out[j++] = m;
  if (kind !== 'local') {
    const [c, sn] = annualHarmonic(s.validTime);
    out[j++] = c;
    out[j++] = sn;
    out[j++] = m * c;
    out[j++] = m * sn;
  }
  if (kind !== 'seasonal') {
    out[j] = s.lapZ850![p];
    out[j + 1] = s.lapTarget![p];
  }
}

/** Point-by-point coefficients: coef[p·(k+3) + …] = [α, β_1..β_k, γ, δ]. */
export interface ExtendedEmos {
  kind: ExtendedEmosKind;
  k: number;
  n: number;
  coef: Float64Array;
  /** Points whose optimiser did not converge within its iteration cap (coefficients kept). */
  notConverged: number;
  /** Points with fewer than k + 3 usable samples: given the raw Gaussian N(mean, var) instead. */
  unfitted: number;
}

/** Fewest training samples a variant is fitted with (4 per coefficient); below, evaluate leaves it out. */
export function minTrainingSamples(kind: ExtendedEmosKind): number {
  return 4 * (predictorCount(kind) + 3);
}

/**
 * Fit at every point (row-major), starting from the previous point's solution (neighbouring points have
 * similar coefficients: about half the iterations), or, when that start is not finite or lies above the
 * cold start, from α, β_1 = ordinary least squares of truth on the mean (other β 0), γ = ½·RMS residual,
 * δ = 1 — libs/emos's initial guess. The optimiser stops at the same tolerance either way.
 */
export function fitExtendedEmos(
  kind: ExtendedEmosKind,
  train: ExtendedEmosSample[],
  truths: ArrayLike<number>[],
  n: number,
  opts: { tolerance?: number; maxIterations?: number } = {},
): ExtendedEmos {
  const fitter = new ExtendedEmosFitter(kind, n, opts);
  fitter.fitPoints(0, n, train, truths);
  return fitter.result();
}

/**
 * fitExtendedEmos block by block of points, for training samples read from disk a block at a time: the
 * blocks must come in order (the warm start runs on from one to the next), so the result is the same.
 */
export class ExtendedEmosFitter {
  private readonly k: number;
  private readonly coef: Float64Array;
  private readonly x: Float64Array;
  private notConverged = 0;
  private unfitted = 0;
  private previous: Float64Array<ArrayBufferLike> | null = null;
  private next = 0;

  constructor(
    private readonly kind: ExtendedEmosKind,
    private readonly n: number,
    private readonly opts: { tolerance?: number; maxIterations?: number } = {},
  ) {
    this.k = predictorCount(kind);
    this.coef = new Float64Array(n * (this.k + 3));
    this.x = new Float64Array(this.k);
  }

  /** Fit the points [p0, p1): sample arrays and truths indexed by p − p0. */
  fitPoints(p0: number, p1: number, train: ExtendedEmosSample[], truths: ArrayLike<number>[]): void {
    if (p0 !== this.next || p1 > this.n)
      throw new InvalidArgumentError(`extended EMOS: points [${p0}, ${p1}) out of order (next ${this.next})`);
    const { kind, k, coef, x } = this;
    const T = train.length;
    for (let p = p0; p < p1; p++) {
      const i0 = p - p0;
      const rows: number[] = [];
      for (let t = 0; t < T; t++) {
        const y = truths[t][i0];
        if (
          Number.isFinite(y) &&
          Number.isFinite(train[t].mean[i0]) &&
          Number.isFinite(train[t].variance[i0])
        )
          rows.push(t);
      }
      const N = rows.length;
      if (N < k + 3) {
        const o = p * (k + 3);
        coef.fill(0, o, o + k + 3);
        coef[o + 1] = 1;
        coef[o + k + 2] = 1;
        this.unfitted++;
        continue;
      }
      const s: EmosSamples = {
        predictors: new Float64Array(k * N),
        k,
        variance: new Float64Array(N),
        truth: new Float64Array(N),
        n: N,
      };
      rows.forEach((t, i) => {
        predictors(kind, train[t], i0, x);
        for (let j = 0; j < k; j++) s.predictors[j * N + i] = x[j];
        s.variance[i] = train[t].variance[i0];
        s.truth[i] = truths[t][i0];
      });
      const c = centring(s, 'mean');
      // Initial guess in scaled parameters: a = mean truth, b_1 from OLS on the (scaled) mean.
      let my = 0;
      for (let i = 0; i < N; i++) my += s.truth[i];
      my /= N;
      let sxy = 0;
      let sxx = 0;
      for (let i = 0; i < N; i++) {
        const z = (s.predictors[i] - c.centre[0]) / c.scale[0];
        sxy += z * (s.truth[i] - my);
        sxx += z * z;
      }
      const b1 = sxx > 0 ? sxy / sxx : 0;
      let res = 0;
      for (let i = 0; i < N; i++)
        res += (s.truth[i] - my - (b1 * (s.predictors[i] - c.centre[0])) / c.scale[0]) ** 2;
      const theta0 = new Float64Array(k + 3);
      theta0[0] = my;
      theta0[1] = b1;
      theta0[k + 1] = Math.max(0.5 * Math.sqrt(res / N), 1e-3 * (c.scale[0] || 1));
      theta0[k + 2] = 1;
      const objective = emosObjective(s, c, 'norm', 'mean');
      let start: Float64Array<ArrayBufferLike> = theta0;
      if (this.previous) {
        const warm = fromCoefficients(this.previous, c, 'mean');
        const probe = new Float64Array(k + 3);
        if (objective(warm, probe) < objective(theta0, probe)) start = warm;
      }
      const r = bfgs(objective, start, {
        gradTol: this.opts.tolerance ?? 1e-7,
        fTol: 1e-15,
        maxIterations: this.opts.maxIterations ?? 1000,
      });
      if (!r.converged) this.notConverged++;
      const solution = toCoefficients(r.x, c, 'mean');
      if (Number.isFinite(r.f)) this.previous = solution;
      coef.set(solution, p * (k + 3));
    }
    this.next = p1;
  }

  result(): ExtendedEmos {
    if (this.next !== this.n)
      throw new InvalidArgumentError(`extended EMOS: fitted ${this.next} of ${this.n} points`);
    const { kind, k, n, coef, notConverged, unfitted } = this;
    return { kind, k, n, coef, notConverged, unfitted };
  }
}

/** μ, σ at point p of a sample (NaN when the point has no coefficients). */
export function applyExtendedEmos(
  e: ExtendedEmos,
  s: ExtendedEmosSample,
  p: number,
  x: Float64Array,
): [number, number] {
  const o = p * (e.k + 3);
  predictors(e.kind, s, p, x);
  let mu = e.coef[o];
  for (let j = 0; j < e.k; j++) mu += e.coef[o + 1 + j] * x[j];
  const g = e.coef[o + e.k + 1];
  const d = e.coef[o + e.k + 2];
  return [mu, Math.sqrt(g * g + d * d * s.variance[p])];
}
