/**
 * A site case study of real extreme events: the N heaviest precipitation days (or coldest nights) of a station
 * archive, each forecast by models that never saw that event's year (leave-one-year-out: seasonal EMOS on all
 * members with the extra forecasts, and the DRN on the first K = half of the members), beside the raw
 * ensemble with all and with K members. Scored over the event windows with the twCRPS above (below) the
 * station's training-period 99th (1st) percentile, the Brier score of that event and the CRPS; a fan chart
 * per event; a table ranking the events. Events are chosen by the observation: a case study, not a skill claim.
 */
import { InvalidArgumentError, DataError } from '../../contracts/errors.js';
import { ensembleCrpsSorted } from '../../scoring/crps.js';
import { percentile } from '../../report/scale.js';
import {
  crps as parametricCrps,
  isCensored,
  fitSiteModel,
  pairSites,
  predictSiteModel,
  selectMembers,
  type SiteForecast,
  type SiteMethod,
  type SiteModel,
  type SiteObservations,
  type SitePrediction,
  type FitSiteOptions,
} from '../../sites/index.js';
import {
  ensembleEventProbability,
  parametricEventProbability,
  rankExtremes,
  twCrpsEnsemble,
  twCrpsParametric,
  type Tail,
} from '../../sites/extremes.js';
import { rng } from '../../sites/evaluate.js';

export interface SiteCaseOptions {
  /** Subset size K given to the DRN and shown as "raw K" (default: half the members, rounded up). */
  members?: number;
  /** How many events (default 5). */
  events?: number;
  /** `upper` (heaviest) or `lower` (coldest); default upper for precipitation, lower otherwise. */
  tail?: Tail;
  /** Days shown and scored on each side of an event (default 5); events are ≥ 2·window + 1 days apart. */
  windowDays?: number;
  /** Event search window of validity times, epoch seconds [from, to). */
  from?: number;
  to?: number;
  /** Post-processing methods (default both). */
  methods?: SiteMethod[];
  /** DRN options (e.g. fewer seeds in tests). */
  drn?: FitSiteOptions['drn'];
  onProgress?: (fraction: number, message: string) => void;
}

/** One scored forecast system: raw ensembles (`raw_all`, `raw_k`) or a method (`emos`, `drn`). */
export interface CaseSystem {
  key: string;
  label: string;
}

export interface CaseEvent {
  rank: number;
  time: number;
  station: string;
  stationName?: string;
  observed: number;
  /** The event threshold: the station's training-period 99th (upper) or 1st (lower) percentile. */
  threshold: number;
  /** Year whose data the models of this event did not see. */
  heldOutYear: number;
  /** P(event) on the event day, and the CRPS there, by system key. */
  probability: Record<string, number>;
  crps: Record<string, number>;
  /** Window days: validity times, observations, raw members [day][member], and the methods' quantiles. */
  window: {
    times: number[];
    observed: number[];
    rawAll: number[][];
    quantiles: Record<string, { p5: number[]; p25: number[]; p50: number[]; p75: number[]; p95: number[] }>;
  };
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

export interface SiteCaseResult {
  variable: string;
  units: string;
  tail: Tail;
  members: { all: number; k: number };
  systems: CaseSystem[];
  events: CaseEvent[];
  /**
   * Over every day of every event window: mean scores with 95 % bootstrap intervals over days. `crps` is the
   * standard ensemble estimator for raw ensembles and the closed form for methods; `crpsFair` the fair
   * estimator (Ferro 2014) for raw ensembles (closed form again for methods); twCRPS of raw ensembles is the
   * standard estimator of the chained ensemble.
   */
  scores: Record<
    string,
    { crps: Interval; crpsFair: Interval; twcrps: Interval; brier: Interval; days: number }
  >;
  /** Randomised PIT / rank histograms over the windows (10 bins, counts) by system key. */
  pit: Record<string, number[]>;
  /** Reliability of P(event) over the windows: 5 bins by system key. */
  reliability: Record<string, { forecast: number[]; observed: number[]; count: number[] }>;
  models: { year: number; method: SiteMethod; trainingPairs: number }[];
}

const YEAR = (t: number): number => new Date(t * 1000).getUTCFullYear();

/** Observations with one year blanked (NaN): what a leave-one-year-out model is fitted on. */
function withoutYear(o: SiteObservations, year: number): SiteObservations {
  const data = Float32Array.from(o.data);
  const S = o.stationIds.length;
  for (let t = 0; t < o.times.length; t++) if (YEAR(o.times[t]) === year) data.fill(NaN, t * S, (t + 1) * S);
  return { ...o, data };
}

/** Mean of per-day values and a 95 % percentile-bootstrap interval over days (1000 resamples, seeded). */
function bootstrap(v: number[], seed = 1): Interval {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lo: NaN, hi: NaN };
  const r = rng(seed);
  const means: number[] = [];
  for (let b = 0; b < 1000; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += v[Math.floor(r() * n)];
    means.push(s / n);
  }
  return { mean, lo: percentile(means, 2.5), hi: percentile(means, 97.5) };
}

/** Run the case study on a forecast and its observations (both already read). */
export function siteCaseStudy(
  f: SiteForecast,
  obs: SiteObservations,
  o: SiteCaseOptions = {},
): SiteCaseResult {
  const progress = o.onProgress ?? (() => {});
  const M = f.members.length;
  const K = o.members ?? Math.ceil(M / 2);
  if (!(Number.isInteger(K) && K >= 2 && K <= M))
    throw new InvalidArgumentError(`--members ${o.members} must be an integer in [2, ${M}] (${f.source})`);
  const nEvents = o.events ?? 5;
  if (!(Number.isInteger(nEvents) && nEvents >= 1 && nEvents <= 20))
    throw new InvalidArgumentError(`--events ${o.events} must be an integer in [1, 20]`);
  const W = o.windowDays ?? 5;
  if (!(Number.isInteger(W) && W >= 1 && W <= 30))
    throw new InvalidArgumentError(`--window ${o.windowDays} must be an integer number of days in [1, 30]`);
  const precip = /precipitation|rain|snow/.test(f.standardName ?? f.variable);
  const tail: Tail = o.tail ?? (precip ? 'upper' : 'lower');
  const methods = o.methods ?? ['emos', 'drn'];
  // The scores below are the parametric families' closed forms (twCRPS, event probabilities: extremes.ts).
  if (o.drn?.output === 'bernstein')
    throw new InvalidArgumentError(
      'drn output "bernstein": site case-study reports score parametric DRNs only (use epp sites evaluate for a BQN)',
    );
  const all = selectMembers(f, M);
  const sub = selectMembers(f, K);

  const pairs = pairSites(f, obs, all, { from: o.from, to: o.to });
  if (pairs.n === 0)
    throw new DataError(
      `${f.source} / ${obs.source}: no forecast–observation pairs in the event search window`,
    );
  const picked = rankExtremes(f.times, pairs.time, pairs.station, pairs.obs, nEvents, tail, 2 * W + 1);
  const years = [...new Set(picked.map((e) => YEAR(f.times[e.time])))].sort();

  // Leave-one-year-out models: EMOS on all members (the strongest statistical baseline), DRN on K.
  const models = new Map<string, SiteModel>();
  const modelInfo: SiteCaseResult['models'] = [];
  const last = f.times[f.times.length - 1];
  let step = 0;
  for (const y of years)
    for (const method of methods) {
      progress(0.05 + (0.75 * step++) / (years.length * methods.length), `fit ${method} without ${y}`);
      // The DRN validates on the last year of its training period: when less than a year of data follows
      // the held-out year, train on the years before it only (the few days after it are left out).
      const trainTo = last - Date.UTC(y + 1, 0, 1) / 1000 < 365 * 86400 ? Date.UTC(y, 0, 1) / 1000 : last + 1;
      const m = fitSiteModel(f, withoutYear(obs, y), {
        method,
        members: method === 'emos' ? M : K,
        trainTo,
        ...(method === 'drn' && o.drn ? { drn: o.drn } : {}),
      });
      models.set(`${method}:${y}`, m);
      modelInfo.push({ year: y, method, trainingPairs: m.training.pairs });
    }

  const systems: CaseSystem[] = [
    { key: 'raw_all', label: `raw ${M} members` },
    { key: 'raw_k', label: `raw ${K} members` },
    ...methods.map((m) => ({
      key: m,
      label: m === 'emos' ? `EMOS (${M} members)` : `DRN (${K} members)`,
    })),
  ];
  const S = f.stations.id.length;
  const daily: Record<string, { crps: number[]; fair: number[]; twcrps: number[]; brier: number[] }> = {};
  const pit: Record<string, number[]> = {};
  const relBins: Record<string, { f: number[]; o: number[]; n: number[] }> = {};
  for (const s of systems) {
    daily[s.key] = { crps: [], fair: [], twcrps: [], brier: [] };
    pit[s.key] = new Array<number>(10).fill(0);
    relBins[s.key] = { f: [0, 0, 0, 0, 0], o: [0, 0, 0, 0, 0], n: [0, 0, 0, 0, 0] };
  }
  const obsAt = new Map<number, number>();
  for (let i = 0; i < pairs.n; i++) obsAt.set(pairs.time[i] * S + pairs.station[i], pairs.obs[i]);
  const allPairs = pairSites(f, obs, all);
  for (let i = 0; i < allPairs.n; i++) obsAt.set(allPairs.time[i] * S + allPairs.station[i], allPairs.obs[i]);
  const r = rng(7);

  const events: CaseEvent[] = picked.map((e, rank) => {
    progress(0.8 + (0.15 * rank) / picked.length, `score event ${rank + 1}`);
    const te = f.times[e.time];
    const year = YEAR(te);
    // The station's climatological threshold from the years the models saw.
    const clim: number[] = [];
    for (let i = 0; i < allPairs.n; i++)
      if (allPairs.station[i] === e.station && YEAR(f.times[allPairs.time[i]]) !== year)
        clim.push(allPairs.obs[i]);
    const threshold = percentile(clim, tail === 'upper' ? 99 : 1);
    const from = te - W * 86400;
    const to = te + W * 86400 + 1;
    const preds: Record<string, SitePrediction> = {};
    for (const m of methods)
      preds[m] = predictSiteModel(models.get(`${m}:${year}`)!, f, { from, to }, [threshold]);
    const window: CaseEvent['window'] = { times: [], observed: [], rawAll: [], quantiles: {} };
    for (const m of methods) window.quantiles[m] = { p5: [], p25: [], p50: [], p75: [], p95: [] };
    const probability: Record<string, number> = {};
    const crpsDay: Record<string, number> = {};
    const T0 = preds[methods[0]]?.times ?? [];
    const times = methods.length ? Array.from(T0) : Array.from(f.times).filter((t) => t >= from && t < to);
    for (const t of times) {
      const ti = f.times.indexOf(t);
      const y = obsAt.get(ti * S + e.station) ?? NaN;
      const members = all.map((m) => f.data[(ti * S + e.station) * M + m]);
      window.times.push(t);
      window.observed.push(y);
      window.rawAll.push(members);
      const perSystem: Record<
        string,
        { crps: number; fair: number; tw: number; p: number; pit: number } | null
      > = {};
      for (const [key, idx] of [
        ['raw_all', all],
        ['raw_k', sub],
      ] as const) {
        const x = idx.map((m) => f.data[(ti * S + e.station) * M + m]);
        if (!x.every(Number.isFinite) || !Number.isFinite(y)) {
          perSystem[key] = null;
          continue;
        }
        const sorted = Float64Array.from(x).sort();
        const below = x.filter((v) => v < y).length;
        const ties = x.filter((v) => v === y).length;
        const c = ensembleCrpsSorted(sorted, x.length, y);
        perSystem[key] = {
          crps: c.crps,
          fair: c.fair,
          tw: twCrpsEnsemble(x, y, threshold, tail),
          p: ensembleEventProbability(x, threshold, tail),
          // Randomised rank in [0, 1): ties spread uniformly (Hamill 2001).
          pit: (below + r() * (ties + 1)) / (x.length + 1),
        };
      }
      for (const m of methods) {
        const p = preds[m];
        const k = p.times.indexOf(t) * S + e.station;
        const mu = p.mu[k];
        const sg = p.sigma[k];
        const dl = p.shift[k];
        const q = window.quantiles[m];
        const at = (pp: number): number => p.quantiles[(pp - 1) * p.times.length * S + k];
        q.p5.push(at(5));
        q.p25.push(at(25));
        q.p50.push(at(50));
        q.p75.push(at(75));
        q.p95.push(at(95));
        if (!Number.isFinite(mu) || !Number.isFinite(y)) {
          perSystem[m] = null;
          continue;
        }
        const F = parametricEventProbability(p.family, mu, sg, y, 'lower', dl);
        // Randomised PIT for the point mass at 0 of a censored distribution: uniform on [0, F(0)].
        const pitV = isCensored(p.family) && y <= 0 ? r() * F : F;
        const c = parametricCrps(p.family, mu, sg, y, dl);
        perSystem[m] = {
          crps: c,
          fair: c,
          tw: twCrpsParametric(p.family, mu, sg, y, threshold, tail, dl),
          p: parametricEventProbability(p.family, mu, sg, threshold, tail, dl),
          pit: pitV,
        };
      }
      const happened = tail === 'upper' ? y > threshold : y < threshold;
      for (const s of systems) {
        const v = perSystem[s.key];
        if (!v) continue;
        daily[s.key].crps.push(v.crps);
        daily[s.key].fair.push(v.fair);
        daily[s.key].twcrps.push(v.tw);
        daily[s.key].brier.push((v.p - (happened ? 1 : 0)) ** 2);
        pit[s.key][Math.min(9, Math.floor(v.pit * 10))]++;
        const b = Math.min(4, Math.floor(v.p * 5));
        relBins[s.key].f[b] += v.p;
        relBins[s.key].o[b] += happened ? 1 : 0;
        relBins[s.key].n[b]++;
        if (t === te) {
          probability[s.key] = v.p;
          crpsDay[s.key] = v.crps;
        }
      }
    }
    return {
      rank: rank + 1,
      time: te,
      station: f.stations.id[e.station],
      ...(f.stations.name ? { stationName: f.stations.name[e.station] } : {}),
      observed: e.value,
      threshold,
      heldOutYear: year,
      probability,
      crps: crpsDay,
      window,
    };
  });
  progress(0.97, 'scores');
  const scores: SiteCaseResult['scores'] = {};
  for (const s of systems)
    scores[s.key] = {
      crps: bootstrap(daily[s.key].crps),
      crpsFair: bootstrap(daily[s.key].fair),
      twcrps: bootstrap(daily[s.key].twcrps),
      brier: bootstrap(daily[s.key].brier),
      days: daily[s.key].crps.length,
    };
  const reliability: SiteCaseResult['reliability'] = {};
  for (const s of systems) {
    const b = relBins[s.key];
    reliability[s.key] = {
      forecast: b.f.map((v, i) => (b.n[i] ? v / b.n[i] : NaN)),
      observed: b.o.map((v, i) => (b.n[i] ? v / b.n[i] : NaN)),
      count: b.n,
    };
  }
  return {
    variable: f.variable,
    units: f.units,
    tail,
    members: { all: M, k: K },
    systems,
    events,
    scores,
    pit,
    reliability,
    models: modelInfo,
  };
}
