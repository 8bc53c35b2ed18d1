/**
 * Site models end to end as library functions: `fitSiteModel` (EMOS or DRN on a training period),
 * `predictSiteModel` (quantiles, mean, std and exceedance probabilities per time and station) and the
 * model folder (`model.json`, hashed for provenance). No I/O besides the model folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataError, InvalidArgumentError, MismatchError, ModelError } from '../contracts/errors.js';
import { isCensored } from './distributions.js';
import { SiteDrn, predictSiteDrn, type DrnProgress, type SiteDrnOptions, type SiteDrnParams } from './drn.js';
import { SiteEmos, predictSiteEmos, type SiteEmosParams, type SiteParameters } from './emos.js';
import { pairFeatures } from './features.js';
import { pairCdf, pairMeanStd, pairQuantile } from './predictive.js';
import { inPeriod, pairSites, requirePairs, selectMembers, type Period } from './pairing.js';
import type { SiteFamily, SiteForecast, SiteObservations, SitePairs } from './types.js';
import { canonicalUnits, unitConverter } from './units.js';

export type SiteMethod = 'emos' | 'drn';

/** The family from the variable's standard_name: precipitation (amount/flux/rate) → censored logistic. */
export function familyFor(f: SiteForecast): SiteFamily {
  const name = f.standardName ?? f.variable;
  return /precipitation|rainfall|snowfall/.test(name) ? 'censored-logistic' : 'normal';
}

export interface FitSiteOptions {
  method: SiteMethod;
  /** First K members, or a list of realization identifiers. */
  members: number | number[];
  /** Training validity-time window [from, to), epoch seconds; `to` required. */
  trainFrom?: number;
  trainTo: number;
  /** Default from the standard_name (familyFor). */
  family?: SiteFamily;
  /** EMOS: annual harmonics (default true). */
  seasonal?: boolean;
  /** Use the file's extra forecasts (e.g. HRES) as predictors (default true). */
  useExtras?: boolean;
  /** EMOS: per-station coefficients (default: when every station has ≥ 60 training pairs). */
  perStation?: boolean;
  drn?: Partial<Omit<SiteDrnOptions, 'family' | 'extras'>>;
  /** DRN validation: the last `validationDays` days of the training period (default 365, or the last 20 % when short). */
  validationDays?: number;
  onProgress?: (p: DrnProgress) => void;
}

export interface SiteModel {
  format: 'epp-sites-model';
  version: 1;
  method: SiteMethod;
  family: SiteFamily;
  variable: string;
  units: string;
  /** Realization identifiers used, and how many the training file had. */
  members: number[];
  membersInFile: number;
  trainFrom: string | null;
  trainTo: string;
  stations: string[];
  extras: string[];
  training: { pairs: number; skipped: SitePairs['skipped']; source: string; observations: string };
  emos?: SiteEmosParams;
  drn?: SiteDrnParams;
}

const iso = (t: number) => new Date(t * 1000).toISOString();

/** Fit an EMOS or DRN site model on the training period of (forecast, observations). */
export function fitSiteModel(f: SiteForecast, obs: SiteObservations, o: FitSiteOptions): SiteModel {
  if (o.method !== 'emos' && o.method !== 'drn')
    throw new InvalidArgumentError(`--method must be emos or drn, got "${String(o.method)}"`);
  if (!Number.isFinite(o.trainTo)) throw new InvalidArgumentError('--train-to is required');
  if (o.trainFrom !== undefined && !(o.trainFrom < o.trainTo))
    throw new InvalidArgumentError(
      `--train-from ${iso(o.trainFrom)} must be before --train-to ${iso(o.trainTo)}`,
    );
  const members = selectMembers(f, o.members);
  const family = o.family ?? familyFor(f);
  const extras = o.useExtras === false ? [] : Object.keys(f.extras).sort();
  const period: Period = { from: o.trainFrom, to: o.trainTo };
  const pairs = pairSites(f, obs, members, period);
  requirePairs(pairs, f, obs, period, 'training');
  const x = pairFeatures(f, pairs.time, pairs.station, members, extras);
  const S = f.stations.id.length;
  const model: SiteModel = {
    format: 'epp-sites-model',
    version: 1,
    method: o.method,
    family,
    variable: f.variable,
    units: f.units,
    members: members.map((i) => f.members[i]),
    membersInFile: f.members.length,
    trainFrom: o.trainFrom === undefined ? null : iso(o.trainFrom),
    trainTo: iso(o.trainTo),
    stations: f.stations.id,
    extras,
    training: { pairs: pairs.n, skipped: pairs.skipped, source: f.source, observations: obs.source },
  };
  if (o.method === 'emos') {
    const counts = new Int32Array(S);
    for (const s of pairs.station) counts[s]++;
    const perStation = o.perStation ?? counts.every((c) => c >= 60);
    model.emos = new SiteEmos({ family, seasonal: o.seasonal ?? true, extras, perStation }).process(
      x,
      pairs.obs,
      pairs.station,
      S,
    );
  } else {
    const tMax = Math.max(...Array.from(pairs.time, (t) => f.times[t]));
    const tMin = Math.min(...Array.from(pairs.time, (t) => f.times[t]));
    const days = o.validationDays ?? 365;
    const span = tMax - tMin;
    const validFrom = span > 3 * days * 86400 ? tMax - days * 86400 : tMin + 0.8 * span;
    const valid = Uint8Array.from(pairs.time, (t) => (f.times[t] > validFrom ? 1 : 0));
    model.drn = new SiteDrn({ family, extras, ...o.drn }).process(
      x,
      pairs.obs,
      pairs.station,
      S,
      valid,
      o.onProgress,
    );
  }
  return model;
}

export const PERCENTILES = Array.from({ length: 99 }, (_, i) => i + 1);

/** Default exceedance thresholds: precipitation 0.1, 1, 5, 10 kg m-2; temperature the freezing point. */
export function defaultThresholds(m: SiteModel): number[] {
  if (isCensored(m.family)) return [0.1, 1, 5, 10];
  return [canonicalUnits(m.units) === 'K' ? 273.15 : 0];
}

/** Predictions at every (time, station) of a forecast within a period; values [.., time, station]. */
export interface SitePrediction {
  variable: string;
  units: string;
  family: SiteFamily;
  stations: SiteForecast['stations'];
  times: Float64Array;
  referenceTimes?: Float64Array;
  forecastPeriod?: number;
  /** Distribution parameters [time, station] (NaN where the forecast is missing); shift δ (CSG, else 0). */
  mu: Float64Array;
  sigma: Float64Array;
  shift: Float64Array;
  mean: Float32Array;
  std: Float32Array;
  percentiles: number[];
  /** [percentile, time, station]. */
  quantiles: Float32Array;
  thresholds: number[];
  /** P(Y > threshold), [threshold, time, station]. */
  probabilities: Float32Array;
  /**
   * A Bernstein quantile network's forecasts (drn output 'bernstein'): coefficients [time, station, degree + 1],
   * NaN where the forecast is missing. Then μ, σ are its mean and sd, not parameters of `family`: score with these.
   */
  bernstein?: { degree: number; censored: boolean; coefficients: Float64Array };
}

/** (μ, σ, δ) of given (time, station) pairs of a forecast under the model (forecast already in model units). */
export function modelParameters(
  m: SiteModel,
  f: SiteForecast,
  time: Int32Array,
  station: Int32Array,
): SiteParameters {
  const members = m.members.map((id) => {
    const i = f.members.indexOf(id);
    if (i < 0)
      throw new MismatchError(
        `${f.source}: variable 'realization' lacks member ${id} the model was trained on (the file has ${f.members.length} realizations)`,
      );
    return i;
  });
  for (const e of m.extras)
    if (!f.extras[e]) throw new MismatchError(`${f.source}: no extra predictor '${e}' (the model uses it)`);
  const x = pairFeatures(f, time, station, members, m.extras);
  const stIdx = new Map(m.stations.map((s, i) => [s, i]));
  const modelStation = Int32Array.from(station, (s) => stIdx.get(f.stations.id[s]) ?? -1);
  if (m.method === 'emos') return predictSiteEmos(m.emos!, x, modelStation);
  const drn = m.drn!;
  if (drn.embedding > 0) {
    const unknown = [
      ...new Set(Array.from(modelStation).flatMap((s, i) => (s < 0 ? [f.stations.id[station[i]]] : []))),
    ];
    if (unknown.length)
      throw new MismatchError(
        `${f.source}: variable 'station_id' has stations the drn model has no embedding for: ${unknown.slice(0, 5).join(', ')}`,
      );
  }
  return predictSiteDrn(drn, x, modelStation);
}

/** Forecast converted to the model's units (a copy when a conversion is needed). */
export function toModelUnits(m: SiteModel, f: SiteForecast): SiteForecast {
  if (m.variable !== f.variable)
    throw new MismatchError(`${f.source}: model is for '${m.variable}', asked for '${f.variable}'`);
  if (canonicalUnits(f.units) === canonicalUnits(m.units)) return f;
  const conv = unitConverter(f.units, m.units, `${f.source}: variable '${f.variable}'`);
  const extras: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(f.extras)) extras[k] = v.map(conv);
  return { ...f, units: m.units, data: f.data.map(conv), extras };
}

/** Predict every (time, station) of the forecast whose validity time is within `period`. */
export function predictSiteModel(
  m: SiteModel,
  fc: SiteForecast,
  period: Period = {},
  thresholds?: number[],
): SitePrediction {
  const f = toModelUnits(m, fc);
  const tKeep = [...f.times.keys()].filter((t) => inPeriod(f.times[t], period));
  if (tKeep.length === 0) throw new DataError(`${f.source}: no forecast times in the requested period`);
  const S = f.stations.id.length;
  const M = f.members.length;
  const memberPos = m.members.map((id) => f.members.indexOf(id));
  const time: number[] = [];
  const station: number[] = [];
  const slot: number[] = [];
  tKeep.forEach((t, ti) => {
    for (let s = 0; s < S; s++) {
      const base = (t * S + s) * M;
      if (memberPos.every((p) => p >= 0 && Number.isFinite(f.data[base + p]))) {
        time.push(t);
        station.push(s);
        slot.push(ti * S + s);
      }
    }
  });
  if (memberPos.some((p) => p < 0)) modelParameters(m, f, new Int32Array(0), new Int32Array(0)); // throws naming the member
  const par = modelParameters(m, f, Int32Array.from(time), Int32Array.from(station));
  const T = tKeep.length;
  const N = T * S;
  const mu = new Float64Array(N).fill(NaN);
  const sigma = new Float64Array(N).fill(NaN);
  const shift = new Float64Array(N).fill(NaN);
  const th = thresholds ?? defaultThresholds(m);
  const P = PERCENTILES.length;
  const quantiles = new Float32Array(P * N).fill(NaN);
  const probabilities = new Float32Array(th.length * N).fill(NaN);
  const mean = new Float32Array(N).fill(NaN);
  const std = new Float32Array(N).fill(NaN);
  const bq = par.bernstein;
  const bernstein = bq
    ? {
        degree: bq.degree,
        censored: bq.censored,
        coefficients: new Float64Array(N * (bq.degree + 1)).fill(NaN),
      }
    : undefined;
  slot.forEach((k, i) => {
    if (bq && bernstein) {
      const w = bq.degree + 1;
      bernstein.coefficients.set(bq.coefficients.subarray(i * w, (i + 1) * w), k * w);
    }
    mu[k] = par.mu[i];
    sigma[k] = par.sigma[i];
    shift[k] = par.shift[i];
    [mean[k], std[k]] = pairMeanStd(m.family, par, i);
    for (let p = 0; p < P; p++) quantiles[p * N + k] = pairQuantile(m.family, par, i, PERCENTILES[p] / 100);
    th.forEach((t, j) => (probabilities[j * N + k] = 1 - pairCdf(m.family, par, i, t)));
  });
  return {
    variable: m.variable,
    units: m.units,
    family: m.family,
    stations: f.stations,
    times: Float64Array.from(tKeep.map((t) => f.times[t])),
    referenceTimes: f.referenceTimes ? Float64Array.from(tKeep.map((t) => f.referenceTimes![t])) : undefined,
    forecastPeriod: f.forecastPeriod,
    mu,
    sigma,
    shift,
    mean,
    std,
    percentiles: PERCENTILES,
    quantiles,
    thresholds: th,
    probabilities,
    ...(bernstein ? { bernstein } : {}),
  };
}

export const MODEL_FILE = 'model.json';

/** Write the model folder; returns the SHA-256 of model.json (the provenance hash). */
export function saveSiteModel(dir: string, m: SiteModel): string {
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(m);
  writeFileSync(path.join(dir, MODEL_FILE), text);
  return createHash('sha256').update(text).digest('hex');
}

/** Read a model folder: the model and the SHA-256 of its model.json. */
export function loadSiteModel(dir: string): { model: SiteModel; hash: string } {
  const file = path.join(dir, MODEL_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(`${dir}: not a site model folder (no readable ${MODEL_FILE})`, { cause: err });
  }
  let m: SiteModel;
  try {
    m = JSON.parse(text) as SiteModel;
  } catch (err) {
    throw new ModelError(`${file}: not valid JSON`, { cause: err });
  }
  if (m.format !== 'epp-sites-model' || m.version !== 1)
    throw new ModelError(`${file}: field 'format' must be epp-sites-model version 1`);
  if ((m.method === 'emos' && !m.emos) || (m.method === 'drn' && !m.drn))
    throw new ModelError(`${file}: method '${m.method}' without its parameters`);
  return { model: m, hash: createHash('sha256').update(text).digest('hex') };
}
