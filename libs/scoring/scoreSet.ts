/**
 * The whole DESIGN §2 score set over a list of (forecast, truth) pairs: configure once, then process.
 * Aggregates are float64 (weighted) means over every valid point and time; missing points are counted.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { normCdf } from '../ensemble/normal.js';
import { sortSmall } from '../ensemble/quantiles.js';
import { crpsGaussian, ensembleCrpsSorted, twCrpsEnsembleSorted, twCrpsGaussian } from './crps.js';
import { checkPairs } from './pairing.js';
import { isGaussian, type ReliabilityBin, type ScorePair, type Scores } from './types.js';
import {
  appliedWeights,
  pointWeights,
  WEIGHT_KINDS,
  type AppliedWeights,
  type WeightKind,
} from './weights.js';

export interface ScoreOptions {
  /** Thresholds for brier, twcrps and reliability (same units as the variable). */
  thresholds?: number[];
  /** Area weights (default `area`: cos(latitude) on lat–lon grids, equal on projected grids). */
  weights?: WeightKind;
  /** Number of equal-width PIT histogram bins (Gaussian forecasts). Default 10. */
  pitBins?: number;
  /** Number of equal-width forecast-probability bins of the reliability diagram. Default 10. */
  reliabilityBins?: number;
}

/** Running weighted sums; one per score. */
class Sums {
  w = 0;
  crps = 0;
  fair = 0;
  gauss = 0;
  sq = 0;
  err = 0;
  var = 0;
  n = 0;
  missing = 0;
  brier: Float64Array;
  tw: Float64Array;
  constructor(nt: number) {
    this.brier = new Float64Array(nt);
    this.tw = new Float64Array(nt);
  }
}

/**
 * Scores (DESIGN §2). A point counts when its truth is finite and at least two members are finite (NaN
 * members are dropped there); Gaussian forecasts need finite mean and std > 0, else they count as missing.
 */
export class ScoreSet {
  private readonly thresholds: number[];
  private readonly weights: WeightKind;
  private readonly pitBins: number;
  private readonly relBins: number;

  constructor(options: ScoreOptions = {}) {
    this.thresholds = options.thresholds ?? [];
    for (const t of this.thresholds)
      if (!Number.isFinite(t)) throw new InvalidArgumentError(`threshold ${t} is not a finite number`);
    this.weights = options.weights ?? 'area';
    if (!WEIGHT_KINDS.includes(this.weights))
      throw new InvalidArgumentError(
        `weights must be "area", "coslat" or "none", got "${String(this.weights)}"`,
      );
    this.pitBins = options.pitBins ?? 10;
    this.relBins = options.reliabilityBins ?? 10;
    if (!(
      Number.isInteger(this.pitBins) &&
      this.pitBins > 0 &&
      Number.isInteger(this.relBins) &&
      this.relBins > 0
    ))
      throw new InvalidArgumentError('pitBins and reliabilityBins must be positive integers');
  }

  process(pairs: ScorePair[]): Scores {
    checkPairs(pairs);
    const nt = this.thresholds.length;
    const s = new Sums(nt);
    const first = pairs[0].forecast;
    const gaussian = isGaussian(first);
    const m = isGaussian(first) ? 0 : first.members.length;
    const rank = gaussian ? null : new Array<number>(m + 1).fill(0);
    const pit = gaussian ? new Array<number>(this.pitBins).fill(0) : null;
    const rel = this.thresholds.map(() =>
      Array.from({ length: this.relBins }, (_, b) => ({
        lower: b / this.relBins,
        upper: (b + 1) / this.relBins,
        forecast_count: 0,
        sum_forecast_probability: 0,
        observation_count: 0,
      })),
    );
    const buf = new Float64Array(Math.max(m, 1));
    const applied: AppliedWeights = appliedWeights(first.grid, this.weights);
    for (const { forecast: f, truth } of pairs) {
      const n = f.ny * f.nx;
      if (appliedWeights(f.grid, this.weights) !== applied)
        throw new InvalidArgumentError(
          `${f.source}: its grid is ${f.grid.kind}, the first forecast's is ${first.grid.kind}; score them separately`,
        );
      const w = pointWeights(f.grid, n, this.weights);
      const y = truth.data;
      for (let p = 0; p < n; p++) {
        const yp = y[p];
        let mu: number;
        let sd: number;
        let mEff = 0;
        if (isGaussian(f)) {
          mu = f.mean[p];
          sd = f.std[p];
          if (Number.isNaN(yp) || !Number.isFinite(mu) || !(sd > 0)) {
            s.missing++;
            continue;
          }
        } else {
          for (let i = 0; i < m; i++) {
            const v = f.data[i * n + p];
            if (!Number.isNaN(v)) buf[mEff++] = v;
          }
          if (Number.isNaN(yp) || mEff < 2) {
            s.missing++;
            continue;
          }
          sortSmall(buf, mEff);
          let sum = 0;
          for (let i = 0; i < mEff; i++) sum += buf[i];
          mu = sum / mEff;
          let ss = 0;
          for (let i = 0; i < mEff; i++) ss += (buf[i] - mu) * (buf[i] - mu);
          sd = Math.sqrt(ss / (mEff - 1));
        }
        const wp = w[p];
        s.w += wp;
        s.n++;
        const g = crpsGaussian(mu, sd, yp);
        s.gauss += wp * g;
        s.err += wp * (mu - yp);
        s.sq += wp * (mu - yp) * (mu - yp);
        s.var += wp * sd * sd;
        if (isGaussian(f)) {
          s.crps += wp * g;
          s.fair += wp * g;
          const u = normCdf((yp - mu) / sd);
          pit![Math.min(this.pitBins - 1, Math.floor(u * this.pitBins))]++;
        } else {
          const c = ensembleCrpsSorted(buf, mEff, yp);
          s.crps += wp * c.crps;
          s.fair += wp * c.fair;
          let r = 0;
          while (r < mEff && buf[r] < yp) r++;
          rank![r]++;
        }
        for (let k = 0; k < nt; k++) {
          const t = this.thresholds[k];
          let prob: number;
          let tw: number;
          if (isGaussian(f)) {
            prob = 1 - normCdf((t - mu) / sd);
            tw = twCrpsGaussian(mu, sd, yp, t);
          } else {
            let above = 0;
            for (let i = mEff - 1; i >= 0 && buf[i] > t; i--) above++;
            prob = above / mEff;
            tw = twCrpsEnsembleSorted(buf, mEff, yp, t);
          }
          const obs = yp > t ? 1 : 0;
          s.brier[k] += wp * (prob - obs) * (prob - obs);
          s.tw[k] += wp * tw;
          const bin: ReliabilityBin = rel[k][Math.min(this.relBins - 1, Math.floor(prob * this.relBins))];
          bin.forecast_count++;
          bin.sum_forecast_probability += prob;
          bin.observation_count += obs;
        }
      }
    }
    const mean = (x: number) => (s.w > 0 ? x / s.w : NaN);
    const rmse = Math.sqrt(mean(s.sq));
    const spread = Math.sqrt(mean(s.var));
    const key = (t: number) => String(t);
    return {
      kind: gaussian ? 'gaussian' : 'ensemble',
      crps: mean(s.crps),
      crps_fair: mean(s.fair),
      crps_gaussian: mean(s.gauss),
      rmse,
      bias: mean(s.err),
      spread,
      ssr: spread / rmse,
      rank_histogram: rank,
      pit_histogram: pit,
      brier: Object.fromEntries(this.thresholds.map((t, k) => [key(t), mean(s.brier[k])])),
      twcrps: Object.fromEntries(this.thresholds.map((t, k) => [key(t), mean(s.tw[k])])),
      reliability: Object.fromEntries(this.thresholds.map((t, k) => [key(t), rel[k]])),
      n: s.n,
      n_missing: s.missing,
      members: gaussian ? null : m,
      weights: applied,
    };
  }
}
