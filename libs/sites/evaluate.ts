/**
 * Verification of a site model on a period, like a referee: mean CRPS of the model (closed form), of the raw
 * ensemble with all members and with the model's K members (standard and fair estimators, Ferro 2014), and of a
 * seasonal EMOS with the extra forecasts fitted on the model's own training period with all and with K members;
 * Brier scores and reliability tables per threshold; a randomised PIT histogram; bootstrap 95 % intervals
 * obtained by resampling days (validity times) with replacement. Other fitted models (`compare`) are scored on
 * the same pairs, with the model's paired skill against each. A Bernstein quantile network (drn output
 * 'bernstein') is scored by its exact CRPS (bernstein.ts: the quantile-score integral in closed form) and its PIT
 * F(y) by inverting Q⁺, randomised in the point mass at 0.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { ensembleCrpsSorted } from '../scoring/crps.js';
import { fitSiteModel, defaultThresholds, modelParameters, toModelUnits, type SiteModel } from './model.js';
import { pairSites, requirePairs, type Period } from './pairing.js';
import { pairCdf, pairCrps, pairPit } from './predictive.js';
import type { SiteForecast, SiteObservations, SitePairs } from './types.js';

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

export interface ReliabilityBin {
  /** Bin [lo, hi) of forecast probability, mean forecast probability, observed frequency, count. */
  lo: number;
  hi: number;
  forecast: number;
  observed: number;
  count: number;
  /** Bootstrap 95 % interval of the observed frequency (days resampled; NaN for an empty bin). */
  observedLo: number;
  observedHi: number;
}

export interface SiteEvaluation {
  period: { from: string | null; to: string | null };
  pairs: number;
  days: number;
  skipped: SitePairs['skipped'];
  members: { model: number; all: number };
  crps: {
    model: Interval;
    rawAll: { standard: Interval; fair: Interval };
    rawK: { standard: Interval; fair: Interval };
    /** Seasonal EMOS (with extras) on the model's training period: all members and the model's K; null if unfit. */
    emosAll: Interval | null;
    emosK: Interval | null;
  };
  /** Relative CRPS improvement of the model, 1 − CRPS_model / CRPS_ref, with a bootstrap interval. */
  skill: { vsRawAllFair: Interval; vsEmosAll: Interval | null };
  brier: { threshold: number; model: Interval; rawAll: Interval; reliability: ReliabilityBin[] }[];
  /** Randomised PIT histogram of the model (10 equal bins, relative frequencies). */
  pit: number[];
  emosNote?: string;
  /** Other models on the same pairs: their CRPS and the model's skill against each (1 − CRPS_model / CRPS_other). */
  compare?: ComparedModel[];
}

/** A model scored next to the evaluated one (`sites evaluate --compare`). */
export interface ComparedModel {
  label: string;
  method: SiteModel['method'];
  family: SiteModel['family'];
  members: number;
  crps: Interval;
  skillOfModel: Interval;
}

/** Deterministic PRNG for the bootstrap and the randomised PIT (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mean and 95 % percentile interval over B bootstrap resamples of days (Efron & Tibshirani 1993): each
 * score vector is averaged per day first; `ratioOf` makes the statistic 1 − Σa/Σb on the same resample.
 */
function bootstrap(
  days: Int32Array,
  nDays: number,
  values: Float64Array,
  ratioOf?: Float64Array,
  B = 1000,
): Interval {
  const sum = new Float64Array(nDays);
  const ref = new Float64Array(nDays);
  const cnt = new Float64Array(nDays);
  for (let i = 0; i < values.length; i++) {
    sum[days[i]] += values[i];
    cnt[days[i]]++;
    if (ratioOf) ref[days[i]] += ratioOf[i];
  }
  const stat = (w: Float64Array): number => {
    let a = 0;
    let b = 0;
    let n = 0;
    for (let d = 0; d < nDays; d++) {
      a += w[d] * sum[d];
      b += w[d] * ref[d];
      n += w[d] * cnt[d];
    }
    return ratioOf ? 1 - a / b : a / n;
  };
  const ones = new Float64Array(nDays).fill(1);
  const r = rng(12345);
  const stats: number[] = [];
  const w = new Float64Array(nDays);
  for (let b = 0; b < B; b++) {
    w.fill(0);
    for (let d = 0; d < nDays; d++) w[Math.floor(r() * nDays)]++;
    stats.push(stat(w));
  }
  stats.sort((x, y) => x - y);
  return { mean: stat(ones), lo: stats[Math.floor(0.025 * B)], hi: stats[Math.ceil(0.975 * B) - 1] };
}

/**
 * Reliability table (10 equal forecast-probability bins) with a day-bootstrap 95 % interval of each bin's
 * observed frequency (the consistency bars of Bröcker & Smith 2007, WAF 22, by resampling days).
 */
function reliability(
  p: Float64Array,
  o: Float64Array,
  days: Int32Array,
  nDays: number,
  bins = 10,
  B = 1000,
): ReliabilityBin[] {
  const out: ReliabilityBin[] = Array.from({ length: bins }, (_, b) => ({
    lo: b / bins,
    hi: (b + 1) / bins,
    forecast: 0,
    observed: 0,
    count: 0,
    observedLo: NaN,
    observedHi: NaN,
  }));
  const hits = new Float64Array(nDays * bins);
  const counts = new Float64Array(nDays * bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i] * bins));
    out[b].forecast += p[i];
    out[b].observed += o[i];
    out[b].count++;
    hits[days[i] * bins + b] += o[i];
    counts[days[i] * bins + b]++;
  }
  for (const b of out) {
    b.forecast = b.count ? b.forecast / b.count : NaN;
    b.observed = b.count ? b.observed / b.count : NaN;
  }
  const r = rng(4242);
  const stats: number[][] = Array.from({ length: bins }, () => []);
  const h = new Float64Array(bins);
  const c = new Float64Array(bins);
  for (let k = 0; k < B; k++) {
    h.fill(0);
    c.fill(0);
    for (let d = 0; d < nDays; d++) {
      const day = Math.floor(r() * nDays);
      for (let b = 0; b < bins; b++) {
        h[b] += hits[day * bins + b];
        c[b] += counts[day * bins + b];
      }
    }
    for (let b = 0; b < bins; b++) if (c[b] > 0) stats[b].push(h[b] / c[b]);
  }
  out.forEach((bin, b) => {
    const st = stats[b].sort((x, y) => x - y);
    if (bin.count === 0 || st.length === 0) return;
    bin.observedLo = st[Math.floor(0.025 * st.length)];
    bin.observedHi = st[Math.ceil(0.975 * st.length) - 1];
  });
  return out;
}

/** Evaluate the model on (forecast, observations) within `period`; EMOS baselines refit on the model's training period. */
export function evaluateSiteModel(
  m: SiteModel,
  fc: SiteForecast,
  obs: SiteObservations,
  period: Period,
  thresholds?: number[],
  compare: { label: string; model: SiteModel }[] = [],
): SiteEvaluation {
  for (const c of compare)
    if (c.model.variable !== m.variable || c.model.units !== m.units)
      throw new InvalidArgumentError(
        `--compare ${c.label}: model of ${c.model.variable} [${c.model.units}], the evaluated one is of ${m.variable} [${m.units}]`,
      );
  const f = toModelUnits(m, fc);
  const allMembers = [...f.members.keys()];
  const kMembers = m.members.map((id) => f.members.indexOf(id));
  // Pairs usable by every score: all members finite (so raw-all, raw-K and the model see the same cases).
  const pairs = pairSites(f, obs, allMembers, period);
  requirePairs(pairs, f, obs, period, 'evaluation');
  const n = pairs.n;
  const dayIndex = new Map<number, number>();
  const days = Int32Array.from(pairs.time, (t) => {
    if (!dayIndex.has(t)) dayIndex.set(t, dayIndex.size);
    return dayIndex.get(t)!;
  });
  const nDays = dayIndex.size;
  const par = modelParameters(m, f, pairs.time, pairs.station);
  const S = f.stations.id.length;
  const M = f.members.length;
  const sAll = { standard: new Float64Array(n), fair: new Float64Array(n) };
  const sK = { standard: new Float64Array(n), fair: new Float64Array(n) };
  const sModel = new Float64Array(n);
  const bufAll = new Float64Array(M);
  const bufK = new Float64Array(kMembers.length);
  const th = thresholds ?? defaultThresholds(m);
  const pModel = th.map(() => new Float64Array(n));
  const pRaw = th.map(() => new Float64Array(n));
  const occ = th.map(() => new Float64Array(n));
  const pitHist = new Float64Array(10);
  const u = rng(777);
  for (let i = 0; i < n; i++) {
    const base = (pairs.time[i] * S + pairs.station[i]) * M;
    for (let k = 0; k < M; k++) bufAll[k] = f.data[base + k];
    kMembers.forEach((p, k) => (bufK[k] = f.data[base + p]));
    bufAll.sort();
    bufK.sort();
    const y = pairs.obs[i];
    const a = ensembleCrpsSorted(bufAll, M, y);
    const b = ensembleCrpsSorted(bufK, bufK.length, y);
    sAll.standard[i] = a.crps;
    sAll.fair[i] = a.fair;
    sK.standard[i] = b.crps;
    sK.fair[i] = b.fair;
    sModel[i] = pairCrps(m.family, par, i, y);
    const v = pairPit(m.family, par, i, y, u());
    pitHist[Math.min(9, Math.floor(v * 10))]++;
    th.forEach((t, j) => {
      pModel[j][i] = 1 - pairCdf(m.family, par, i, t);
      let above = 0;
      for (let k = 0; k < M; k++) if (bufAll[k] > t) above++;
      pRaw[j][i] = above / M;
      occ[j][i] = y > t ? 1 : 0;
    });
  }
  const emos = (members: number | number[]) => {
    const e = fitSiteModel(f, obs, {
      method: 'emos',
      members,
      trainFrom: m.trainFrom ? Date.parse(m.trainFrom) / 1000 : undefined,
      trainTo: Date.parse(m.trainTo) / 1000,
      family: m.family,
      seasonal: true,
    });
    const p = modelParameters(e, f, pairs.time, pairs.station);
    return Float64Array.from(pairs.obs, (y, i) => pairCrps(m.family, p, i, y));
  };
  let emosAll: Float64Array | null = null;
  let emosK: Float64Array | null = null;
  let emosNote: string | undefined;
  try {
    emosAll = emos(M);
    emosK = emos(m.members);
  } catch (err) {
    emosNote = `EMOS baselines not fitted: ${(err as Error).message}`;
  }
  const bs = (v: Float64Array, ref?: Float64Array) => bootstrap(days, nDays, v, ref);
  const compared = compare.map(({ label, model }): ComparedModel => {
    const p = modelParameters(model, f, pairs.time, pairs.station);
    const s = Float64Array.from(pairs.obs, (y, i) => pairCrps(model.family, p, i, y));
    return {
      label,
      method: model.method,
      family: model.family,
      members: model.members.length,
      crps: bs(s),
      skillOfModel: bs(sModel, s),
    };
  });
  const sq = (p: Float64Array, o: Float64Array) => Float64Array.from(p, (x, i) => (x - o[i]) ** 2);
  return {
    period: {
      from: period.from === undefined ? null : new Date(period.from * 1000).toISOString(),
      to: period.to === undefined ? null : new Date(period.to * 1000).toISOString(),
    },
    pairs: n,
    days: nDays,
    skipped: pairs.skipped,
    members: { model: m.members.length, all: M },
    crps: {
      model: bs(sModel),
      rawAll: { standard: bs(sAll.standard), fair: bs(sAll.fair) },
      rawK: { standard: bs(sK.standard), fair: bs(sK.fair) },
      emosAll: emosAll ? bs(emosAll) : null,
      emosK: emosK ? bs(emosK) : null,
    },
    skill: { vsRawAllFair: bs(sModel, sAll.fair), vsEmosAll: emosAll ? bs(sModel, emosAll) : null },
    brier: th.map((t, j) => ({
      threshold: t,
      model: bs(sq(pModel[j], occ[j])),
      rawAll: bs(sq(pRaw[j], occ[j])),
      reliability: reliability(pModel[j], occ[j], days, nDays),
    })),
    pit: Array.from(pitHist, (c) => c / n),
    ...(emosNote ? { emosNote } : {}),
    ...(compared.length ? { compare: compared } : {}),
  };
}
