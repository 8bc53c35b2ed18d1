/**
 * EstimateEmos: fit EMOS / NGR coefficients (Gneiting et al. 2005, MWR 133; IMPROVER's
 * EstimateCoefficientsForEnsembleCalibration) by minimising the mean CRPS of N(μ, σ²) or of N(μ, σ²)
 * truncated at zero, μ = α + β·mean (or α + Σβ_i²x_i), σ² = γ² + δ²·var(ddof 1), with analytic gradients
 * and a deterministic BFGS. Configure once, then process(forecasts, truths).
 */
import { DataError, InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import { memberMean, memberVariance } from '../ensemble/stats.js';
import type { EnsembleField, Field2D } from '../ensemble/types.js';
import { checkPairs, pairByValidTime } from '../scoring/pairing.js';
import { bfgs } from './bfgs.js';
import { centring, emosObjective, fromCoefficients, toCoefficients, type EmosSamples } from './objective.js';
import type { EmosCoefficients, EmosDistribution, EmosOptions, EmosPredictor } from './types.js';

export class EstimateEmos {
  readonly distribution: EmosDistribution;
  readonly predictor: EmosPredictor;
  readonly pointByPoint: boolean;
  readonly landMask?: Float32Array;
  readonly tolerance: number;
  readonly maxIterations: number;

  constructor(options: EmosOptions) {
    if (options.distribution !== 'norm' && options.distribution !== 'truncnorm')
      throw new InvalidArgumentError(
        `distribution must be "norm" or "truncnorm", got "${String(options.distribution)}"`,
      );
    const predictor = options.predictor ?? 'mean';
    if (predictor !== 'mean' && predictor !== 'realizations')
      throw new InvalidArgumentError(
        `predictor must be "mean" or "realizations", got "${String(predictor)}"`,
      );
    const tolerance = options.tolerance ?? 1e-7;
    const maxIterations = options.maxIterations ?? 1000;
    if (!(tolerance > 0)) throw new InvalidArgumentError(`tolerance must be > 0, got ${tolerance}`);
    if (!(Number.isInteger(maxIterations) && maxIterations > 0))
      throw new InvalidArgumentError(`maxIterations must be a positive integer, got ${maxIterations}`);
    this.distribution = options.distribution;
    this.predictor = predictor;
    this.pointByPoint = options.pointByPoint ?? false;
    this.landMask = options.landMask;
    this.tolerance = tolerance;
    this.maxIterations = maxIterations;
  }

  process(forecasts: EnsembleField[], truths: Field2D[]): EmosCoefficients {
    const pairs = pairByValidTime(forecasts, truths);
    checkPairs(pairs);
    const first = pairs[0].forecast as EnsembleField;
    const leads = new Set(pairs.map((p) => (p.forecast as EnsembleField).leadHours));
    if (leads.size > 1)
      throw new MismatchError(
        `training forecasts have different lead times (${[...leads].join(', ')} h): ${forecasts.map((f) => f.source).join(', ')}`,
      );
    const n = first.ny * first.nx;
    if (this.landMask && this.landMask.length !== n)
      throw new MismatchError(
        `land mask has ${this.landMask.length} points, forecasts ${first.source} have ${n}`,
      );
    const m = first.members.length;
    if (m < 2) throw new DataError(`${first.source}: EMOS needs at least 2 members for a variance, got ${m}`);
    const k = this.predictor === 'mean' ? 1 : m;
    const T = pairs.length;
    // Per time: predictors [k, n], variance [n], truth [n] in float64.
    const preds: Float64Array[] = [];
    const vars: Float64Array[] = [];
    let positiveVar = false;
    for (const { forecast } of pairs) {
      const f = forecast as EnsembleField;
      const mean = memberMean(f);
      const v = memberVariance(f, 1, mean);
      for (let p = 0; p < n && !positiveVar; p++) if (v[p] > 0) positiveVar = true;
      preds.push(this.predictor === 'mean' ? mean : Float64Array.from(f.data));
      vars.push(v);
    }
    if (!positiveVar)
      throw new DataError(
        `ensemble variance is zero everywhere in ${forecasts.map((f) => f.source).join(', ')}: cannot fit σ² = γ² + δ²·var`,
      );
    const usable = (t: number, p: number): boolean => {
      if (this.landMask && !(this.landMask[p] > 0)) return false;
      if (Number.isNaN(pairs[t].truth.data[p]) || !Number.isFinite(vars[t][p])) return false;
      for (let j = 0; j < k; j++) if (!Number.isFinite(preds[t][j * n + p])) return false;
      return true;
    };
    const gather = (points: number[]): EmosSamples => {
      const idx: [number, number][] = [];
      for (let t = 0; t < T; t++) for (const p of points) if (usable(t, p)) idx.push([t, p]);
      const N = idx.length;
      const s: EmosSamples = {
        predictors: new Float64Array(k * N),
        k,
        variance: new Float64Array(N),
        truth: new Float64Array(N),
        n: N,
      };
      idx.forEach(([t, p], i) => {
        for (let j = 0; j < k; j++) s.predictors[j * N + i] = preds[t][j * n + p];
        s.variance[i] = vars[t][p];
        s.truth[i] = pairs[t].truth.data[p];
      });
      return s;
    };

    const all = gather(Array.from({ length: n }, (_, p) => p));
    if (all.n === 0)
      throw new DataError(
        `no usable training points (all NaN or masked) in ${forecasts.map((f) => f.source).join(', ')}`,
      );
    const global = this.fit(all, this.initialGuess(all));
    const coeffs = (count: number) => ({
      alpha: new Float32Array(count),
      beta: new Float32Array(k * count),
      gamma: new Float32Array(count),
      delta: new Float32Array(count),
    });
    let out = coeffs(1);
    let crps = global.f;
    let iterations = global.iterations;
    let converged = global.converged;
    if (!this.pointByPoint) {
      this.store(out, 0, 1, global.coef);
    } else {
      out = coeffs(n);
      let sum = 0;
      let fitted = 0;
      for (let p = 0; p < n; p++) {
        const s = gather([p]);
        if (s.n === 0) {
          this.store(out, p, n, new Float64Array(k + 3).fill(NaN));
          continue;
        }
        const r = this.fit(s, global.coef);
        this.store(out, p, n, r.coef);
        sum += r.f;
        fitted++;
        iterations = Math.max(iterations, r.iterations);
        converged &&= r.converged;
      }
      crps = sum / fitted;
    }
    const initTimes = pairs.map((p) => (p.forecast as EnsembleField).initTime).filter((t) => t !== undefined);
    return {
      distribution: this.distribution,
      predictor: this.predictor,
      pointByPoint: this.pointByPoint,
      ...out,
      predictors: k,
      diagnostic: first.variable,
      units: first.units,
      ny: first.ny,
      nx: first.nx,
      grid: first.grid,
      leadHours: first.leadHours,
      initTime: initTimes.length ? Math.max(...initTimes) : undefined,
      crps,
      iterations,
      converged,
      samples: all.n,
    };
  }

  private store(
    out: { alpha: Float32Array; beta: Float32Array; gamma: Float32Array; delta: Float32Array },
    p: number,
    n: number,
    c: Float64Array,
  ): void {
    const k = c.length - 3;
    out.alpha[p] = c[0];
    for (let j = 0; j < k; j++) out.beta[j * n + p] = c[1 + j];
    out.gamma[p] = c[k + 1];
    out.delta[p] = c[k + 2];
  }

  /**
   * Initial guess in IMPROVER coefficients: α, β from an ordinary least-squares fit of truth on the ensemble
   * mean (IMPROVER's compute_initial_guess; realizations: β_i = √(β_OLS/m)), δ = 1, and γ = ½·RMS residual
   * instead of IMPROVER's 0, because σ depends on γ² so γ = 0 is a stationary point a gradient method
   * would never leave.
   */
  private initialGuess(s: EmosSamples): Float64Array {
    const N = s.n;
    const mean = new Float64Array(N);
    for (let j = 0; j < s.k; j++) for (let i = 0; i < N; i++) mean[i] += s.predictors[j * N + i] / s.k;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < N; i++) {
      mx += mean[i];
      my += s.truth[i];
    }
    mx /= N;
    my /= N;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < N; i++) {
      sxy += (mean[i] - mx) * (s.truth[i] - my);
      sxx += (mean[i] - mx) ** 2;
    }
    const beta = sxx > 0 ? sxy / sxx : 1;
    const alpha = my - beta * mx;
    let res = 0;
    for (let i = 0; i < N; i++) res += (s.truth[i] - alpha - beta * mean[i]) ** 2;
    const gamma = Math.max(0.5 * Math.sqrt(res / N), 1e-3);
    const c = new Float64Array(s.k + 3);
    c[0] = alpha;
    for (let j = 0; j < s.k; j++)
      c[1 + j] = this.predictor === 'mean' ? beta : Math.sqrt(Math.max(beta, 0.01) / s.k);
    c[s.k + 1] = gamma;
    c[s.k + 2] = 1;
    return c;
  }

  private fit(
    s: EmosSamples,
    start: Float64Array,
  ): { coef: Float64Array; f: number; iterations: number; converged: boolean } {
    const c = centring(s, this.predictor);
    const objective = emosObjective(s, c, this.distribution, this.predictor);
    let theta0 = fromCoefficients(start, c, this.predictor);
    const probe = new Float64Array(theta0.length);
    if (!Number.isFinite(objective(theta0, probe))) {
      // E.g. σ = 0 where var = 0 and γ = 0: start from a strictly positive γ.
      theta0 = Float64Array.from(theta0);
      theta0[s.k + 1] = Math.max(Math.abs(theta0[s.k + 1]), 0.1);
    }
    const r = bfgs(objective, theta0, {
      gradTol: this.tolerance,
      fTol: 1e-15,
      maxIterations: this.maxIterations,
    });
    return {
      coef: toCoefficients(r.x, c, this.predictor),
      f: r.f,
      iterations: r.iterations,
      converged: r.converged,
    };
  }
}
