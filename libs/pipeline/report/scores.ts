/**
 * Scores of every forecast of a case study, through libs/scoring's ScoreSet (the same code as `epp score`):
 * over the whole window and per valid time, plus spread–skill bins for the spread–skill plot.
 */
import { memberMean, memberStd } from '../../ensemble/stats.js';
import type { Field2D } from '../../ensemble/types.js';
import type { ForecastScores } from '../../report/model.js';
import { ScoreSet, isGaussian, type Forecast, type Scores } from '../../scoring/index.js';

/** One forecast system over the days of the event (same order as the truths). */
export interface ForecastSeries {
  key: string;
  label: string;
  forecasts: Forecast[];
}

export interface SeriesScores {
  summary: ForecastScores;
  /** The full ScoreSet result over the window (rank/PIT histograms, reliability bins). */
  full: Scores;
}

/**
 * Scores over all days, and area-mean CRPS per day, area-weighted like `epp score`'s default (cos latitude on
 * a lat–lon grid, equal weights on a projected one).
 */
export function scoreSeries(series: ForecastSeries, truths: Field2D[], threshold: number): SeriesScores {
  const scoreSet = new ScoreSet({ thresholds: [threshold] });
  const pairs = series.forecasts.map((forecast, i) => ({ forecast, truth: truths[i] }));
  const full = scoreSet.process(pairs);
  const crpsByTime = pairs.map((p) => ({
    time: p.truth.validTime,
    crps: scoreSet.process([p]).crps,
  }));
  const brier = Object.values(full.brier)[0];
  return {
    full,
    summary: {
      key: series.key,
      label: series.label,
      crps: full.crps,
      rmse: full.rmse,
      bias: full.bias,
      spread: full.spread,
      ssr: full.ssr,
      brier,
      n: full.n,
      nMissing: full.n_missing,
      crpsByTime,
    },
  };
}

/** Predicted spread per point: ensemble std (ddof 1, DESIGN §2 `spread`) or the Gaussian σ. */
export function predictedSpread(f: Forecast): { mean: ArrayLike<number>; spread: ArrayLike<number> } {
  if (isGaussian(f)) return { mean: f.mean, spread: f.std };
  const mean = memberMean(f);
  return { mean, spread: memberStd(f, 1, mean) };
}

export interface SpreadSkillBins {
  spread: number[];
  rmse: number[];
  count: number[];
}

/**
 * Spread–skill bins (e.g. Leutbecher & Palmer 2008, J. Comput. Phys. 227, §5): points of all days sorted by
 * predicted spread into `bins` equally populated bins; per bin RMS spread and RMSE of the mean (same units).
 */
export function spreadSkill(forecasts: Forecast[], truths: Field2D[], bins = 10): SpreadSkillBins {
  const s: number[] = [];
  const e2: number[] = [];
  forecasts.forEach((f, d) => {
    const { mean, spread } = predictedSpread(f);
    const y = truths[d].data;
    for (let p = 0; p < y.length; p++) {
      const err = mean[p] - y[p];
      if (Number.isFinite(err) && Number.isFinite(spread[p])) {
        s.push(spread[p]);
        e2.push(err * err);
      }
    }
  });
  const order = s.map((_, i) => i).sort((a, b) => s[a] - s[b]);
  const out: SpreadSkillBins = { spread: [], rmse: [], count: [] };
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * order.length) / bins);
    const hi = Math.floor(((b + 1) * order.length) / bins);
    let ss = 0;
    let ee = 0;
    for (let k = lo; k < hi; k++) {
      ss += s[order[k]] ** 2;
      ee += e2[order[k]];
    }
    const n = hi - lo;
    out.spread.push(n ? Math.sqrt(ss / n) : NaN);
    out.rmse.push(n ? Math.sqrt(ee / n) : NaN);
    out.count.push(n);
  }
  return out;
}

/** P(value > threshold) per point: fraction of members above it, or 1 − Φ((t − μ)/σ) for a Gaussian. */
export function exceedanceProbability(
  f: Forecast,
  threshold: number,
  normCdf: (z: number) => number,
): Float32Array {
  const n = f.ny * f.nx;
  const out = new Float32Array(n);
  if (isGaussian(f)) {
    for (let p = 0; p < n; p++) {
      const sd = f.std[p];
      out[p] = sd > 0 ? 1 - normCdf((threshold - f.mean[p]) / sd) : NaN;
    }
    return out;
  }
  const m = f.members.length;
  for (let p = 0; p < n; p++) {
    let above = 0;
    let finite = 0;
    for (let i = 0; i < m; i++) {
      const v = f.data[i * n + p];
      if (Number.isNaN(v)) continue;
      finite++;
      if (v > threshold) above++;
    }
    out[p] = finite ? above / finite : NaN;
  }
  return out;
}
