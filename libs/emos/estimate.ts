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
import {
  centring,
  emosObjective,
  fromCoefficients,
  oneChunk,
  toCoefficients,
  type EmosChunks,
  type EmosSamples,
} from './objective.js';
import { residentRows, type EmosRow, type EmosRows, type EmosRowsMeta } from './rows.js';

/** Points whose training samples a point-by-point fit copies out of the rows at a time. */
const POINT_BLOCK = 256;
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
    // Per time: predictors [k, n], variance [n], truth [n] in float64.
    const preds: Float64Array[] = [];
    const vars: Float64Array[] = [];
    for (const { forecast } of pairs) {
      const f = forecast as EnsembleField;
      const mean = memberMean(f);
      preds.push(this.predictor === 'mean' ? mean : Float64Array.from(f.data));
      vars.push(memberVariance(f, 1, mean));
    }
    const initTimes = pairs.map((p) => (p.forecast as EnsembleField).initTime).filter((t) => t !== undefined);
    return this.processRows(
      residentRows(
        k,
        n,
        preds,
        vars,
        pairs.map((p) => p.truth.data),
      ),
      {
        label: forecasts.map((f) => f.source).join(', '),
        diagnostic: first.variable,
        units: first.units,
        ny: first.ny,
        nx: first.nx,
        grid: first.grid,
        leadHours: first.leadHours,
        initTime: initTimes.length ? Math.max(...initTimes) : undefined,
      },
    );
  }

  /**
   * The same fit from training statistics by time (in memory or read from disk block by block): the
   * samples, their order and every sum are those of process(), so the coefficients are bitwise the same.
   */
  processRows(rows: EmosRows, meta: EmosRowsMeta): EmosCoefficients {
    const { n, k } = rows;
    if (this.landMask && this.landMask.length !== n)
      throw new MismatchError(`land mask has ${this.landMask.length} points, the training data ${n}`);
    let positiveVar = false;
    rows.read(0, n, (_t, r) => {
      for (let i = 0; i < n && !positiveVar; i++) if (r.variance[i] > 0) positiveVar = true;
    });
    if (!positiveVar)
      throw new DataError(
        `ensemble variance is zero everywhere in ${meta.label}: cannot fit σ² = γ² + δ²·var`,
      );
    const usable = (r: EmosRow, p: number, i: number): boolean => {
      if (this.landMask && !(this.landMask[p] > 0)) return false;
      if (Number.isNaN(r.truth[i]) || !Number.isFinite(r.variance[i])) return false;
      for (let j = 0; j < k; j++) if (!Number.isFinite(r.preds[j * r.stride + i])) return false;
      return true;
    };
    /** The usable samples of the points [p0, p1) of one row, appended to `s` from index s.n. */
    const gatherRow = (r: EmosRow, p0: number, p1: number, s: EmosSamples, cap: number) => {
      for (let p = p0; p < p1; p++) {
        const i = p - p0;
        if (!usable(r, p, i)) continue;
        for (let j = 0; j < k; j++) s.predictors[j * cap + s.n] = r.preds[j * r.stride + i];
        s.variance[s.n] = r.variance[i];
        s.truth[s.n] = r.truth[i];
        s.n++;
      }
    };
    const emptySamples = (cap: number): EmosSamples => ({
      predictors: new Float64Array(k * cap),
      k,
      variance: new Float64Array(cap),
      truth: new Float64Array(cap),
      n: 0,
    });
    /** Shrink a sample set filled to s.n of capacity `cap` to its own length (predictor-major). */
    const trimmed = (s: EmosSamples, cap: number): EmosSamples => {
      if (s.n === cap) return s;
      const predictors = new Float64Array(k * s.n);
      for (let j = 0; j < k; j++) predictors.set(s.predictors.subarray(j * cap, j * cap + s.n), j * s.n);
      return { predictors, k, variance: s.variance.slice(0, s.n), truth: s.truth.slice(0, s.n), n: s.n };
    };

    // Every usable (time, point) in time-major order: gathered once when the rows are in memory, else one
    // chunk per time, read again at every evaluation of the objective.
    let all: EmosChunks;
    let total = 0;
    if (rows.resident) {
      const cap = rows.times * n;
      const s = emptySamples(cap);
      rows.read(0, n, (_t, r) => gatherRow(r, 0, n, s, cap));
      const one = trimmed(s, cap);
      total = one.n;
      all = oneChunk(one);
    } else {
      const s = emptySamples(n);
      all = (fn) => {
        let stop = false;
        rows.read(0, n, (_t, r) => {
          if (stop) return;
          s.n = 0;
          gatherRow(r, 0, n, s, n);
          if (s.n > 0 && fn(trimmed(s, n)) === false) stop = true;
        });
      };
      all((c) => void (total += c.n));
    }
    if (total === 0) throw new DataError(`no usable training points (all NaN or masked) in ${meta.label}`);
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
      // Blocks of points: each block's rows are read once and copied (time-major) into `block`.
      const T = rows.times;
      const B = Math.min(n, POINT_BLOCK);
      const block = {
        preds: new Float64Array(T * k * B),
        variance: new Float64Array(T * B),
        truth: new Float64Array(T * B),
      };
      for (let p0 = 0; p0 < n; p0 += B) {
        const p1 = Math.min(n, p0 + B);
        const w = p1 - p0;
        rows.read(p0, p1, (t, r) => {
          for (let i = 0; i < w; i++) {
            for (let j = 0; j < k; j++) block.preds[(t * k + j) * B + i] = r.preds[j * r.stride + i];
            block.variance[t * B + i] = r.variance[i];
            block.truth[t * B + i] = r.truth[i];
          }
        });
        const s = emptySamples(T);
        for (let p = p0; p < p1; p++) {
          s.n = 0;
          for (let t = 0; t < T; t++)
            gatherRow(
              {
                preds: block.preds.subarray(t * k * B + (p - p0)),
                stride: B,
                variance: block.variance.subarray(t * B + (p - p0)),
                truth: block.truth.subarray(t * B + (p - p0)),
              },
              p,
              p + 1,
              s,
              T,
            );
          if (s.n === 0) {
            this.store(out, p, n, new Float64Array(k + 3).fill(NaN));
            continue;
          }
          const r = this.fit(trimmed(s, T), global.coef);
          this.store(out, p, n, r.coef);
          sum += r.f;
          fitted++;
          iterations = Math.max(iterations, r.iterations);
          converged &&= r.converged;
        }
      }
      crps = sum / fitted;
    }
    return {
      distribution: this.distribution,
      predictor: this.predictor,
      pointByPoint: this.pointByPoint,
      ...out,
      predictors: k,
      diagnostic: meta.diagnostic,
      units: meta.units,
      ny: meta.ny,
      nx: meta.nx,
      grid: meta.grid,
      leadHours: meta.leadHours,
      initTime: meta.initTime,
      crps,
      iterations,
      converged,
      samples: total,
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
  private initialGuess(all: EmosChunks): Float64Array {
    let k = 1;
    let N = 0;
    let mx = 0;
    let my = 0;
    // The ensemble mean of sample i (the predictors' mean for realizations), summed as IMPROVER's guess does.
    const meanAt = (s: EmosSamples, i: number) => {
      let m = 0;
      for (let j = 0; j < s.k; j++) m += s.predictors[j * s.n + i] / s.k;
      return m;
    };
    all((s) => {
      k = s.k;
      N += s.n;
      for (let i = 0; i < s.n; i++) {
        mx += meanAt(s, i);
        my += s.truth[i];
      }
    });
    mx /= N;
    my /= N;
    let sxy = 0;
    let sxx = 0;
    all((s) => {
      for (let i = 0; i < s.n; i++) {
        const m = meanAt(s, i);
        sxy += (m - mx) * (s.truth[i] - my);
        sxx += (m - mx) ** 2;
      }
    });
    const beta = sxx > 0 ? sxy / sxx : 1;
    const alpha = my - beta * mx;
    let res = 0;
    all((s) => {
      for (let i = 0; i < s.n; i++) res += (s.truth[i] - alpha - beta * meanAt(s, i)) ** 2;
    });
    const gamma = Math.max(0.5 * Math.sqrt(res / N), 1e-3);
    const c = new Float64Array(k + 3);
    c[0] = alpha;
    for (let j = 0; j < k; j++)
      c[1 + j] = this.predictor === 'mean' ? beta : Math.sqrt(Math.max(beta, 0.01) / k);
    c[k + 1] = gamma;
    c[k + 2] = 1;
    return c;
  }

  private fit(
    s: EmosSamples | EmosChunks,
    start: Float64Array,
  ): { coef: Float64Array; f: number; iterations: number; converged: boolean } {
    const c = centring(s, this.predictor);
    const objective = emosObjective(s, c, this.distribution, this.predictor);
    let theta0 = fromCoefficients(start, c, this.predictor);
    const probe = new Float64Array(theta0.length);
    if (!Number.isFinite(objective(theta0, probe))) {
      // E.g. σ = 0 where var = 0 and γ = 0: start from a strictly positive γ.
      theta0 = Float64Array.from(theta0);
      theta0[c.centre.length + 1] = Math.max(Math.abs(theta0[c.centre.length + 1]), 0.1);
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
