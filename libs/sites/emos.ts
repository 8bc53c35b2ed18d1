/**
 * Site EMOS by minimum CRPS (Gneiting et al. 2005, MWR 133): NGR for temperature; for precipitation a logistic
 * left-censored at 0 (Messner et al. 2014, MWR 142) or a censored shifted gamma (Scheuerer & Hamill 2015,
 * MWR 143). Location μ = a·[1, mean, extras…, sin, cos] (CSG: μ = softplus of it, the gamma mean must be
 * positive) and log-scale log σ = b·[1, log(sd + ε), (mean), sin, cos] (annual harmonics when seasonal; Lang et
 * al. 2020, QJRMS 146), CSG shift δ = exp(c); predictors standardised on the training pairs; fitted by BFGS,
 * pooled or per station (pooled coefficients are the start and the fallback).
 */
import { DataError, InvalidArgumentError } from '../contracts/errors.js';
import { bfgs } from '../emos/bfgs.js';
import { crps, crpsAndGrad, isCensored, logistic, softplus } from './distributions.js';
import type { PairFeatures } from './features.js';
import { SITE_FAMILIES, type SiteFamily } from './types.js';

export interface SiteEmosOptions {
  family: SiteFamily;
  /** Annual harmonics (sin, cos of the day of year) in location and scale. */
  seasonal: boolean;
  /** Extra non-member forecasts used as location predictors (e.g. ['precipitation_amount_hres']). */
  extras: string[];
  /** One coefficient set per station (pooled fit as start; stations with < minStationPairs keep it). */
  perStation: boolean;
  minStationPairs?: number;
  maxIterations?: number;
}

/** Fitted site EMOS: standardisation and coefficients (JSON-serialisable). */
export interface SiteEmosParams {
  family: SiteFamily;
  seasonal: boolean;
  extras: string[];
  /** Column centres and scales of the location design (after the intercept). */
  locCentre: number[];
  locScale: number[];
  /** ε in log(sd + ε). */
  sdEps: number;
  /** Coefficients: pooled, and per station (index = station position in the training file) or null. */
  pooled: number[];
  perStation: (number[] | null)[] | null;
  trainingCrps: number;
  pairs: number;
}

function locColumns(x: PairFeatures, extras: string[], seasonal: boolean): Float64Array[] {
  const cols: Float64Array[] = [x.mean, ...extras.map((e) => x.extras[e])];
  if (seasonal) cols.push(x.doySin, x.doyCos);
  return cols;
}

interface Design {
  loc: Float64Array[]; // standardised columns, intercept implicit
  scale: Float64Array[];
  n: number;
  /** CSG: μ = softplus(a·x) and a trailing shift coefficient δ = exp(c). */
  csg: boolean;
}

function design(
  x: PairFeatures,
  p: Omit<SiteEmosParams, 'pooled' | 'perStation' | 'trainingCrps' | 'pairs'>,
): Design {
  const raw = locColumns(x, p.extras, p.seasonal);
  const loc = raw.map((c, j) => c.map((v) => (v - p.locCentre[j]) / p.locScale[j]));
  const scale: Float64Array[] = [x.sd.map((s) => Math.log(s + p.sdEps))];
  if (isCensored(p.family)) scale.push(loc[0]);
  if (p.seasonal) scale.push(x.doySin, x.doyCos);
  return { loc, scale, n: x.n, csg: p.family === 'censored-shifted-gamma' };
}

/** Linear location predictor η and σ of pair i under coefficients θ = [a_0, a…, b_0, b…, (c)]. */
function etaSigma(d: Design, theta: ArrayLike<number>, i: number): [number, number] {
  const pl = d.loc.length + 1;
  let eta = theta[0];
  for (let j = 0; j < d.loc.length; j++) eta += theta[1 + j] * d.loc[j][i];
  let ls = theta[pl];
  for (let j = 0; j < d.scale.length; j++) ls += theta[pl + 1 + j] * d.scale[j][i];
  return [eta, Math.exp(ls)];
}

/** Number of coefficients of a design. */
function nCoef(d: Design): number {
  return d.loc.length + 1 + d.scale.length + 1 + (d.csg ? 1 : 0);
}

/** μ, σ, δ of pair i. */
function muSigma(d: Design, theta: ArrayLike<number>, i: number): [number, number, number] {
  const [eta, sigma] = etaSigma(d, theta, i);
  if (!d.csg) return [eta, sigma, 0];
  return [softplus(eta), sigma, Math.exp(theta[nCoef(d) - 1])];
}

function fitSubset(
  family: SiteFamily,
  d: Design,
  y: Float64Array,
  rows: Int32Array,
  theta0: Float64Array,
  maxIt: number,
) {
  const pl = d.loc.length + 1;
  const g2 = new Float64Array(3);
  const last = nCoef(d) - 1;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let total = 0;
    for (const i of rows) {
      const [eta, sigma] = etaSigma(d, theta, i);
      const mu = d.csg ? softplus(eta) : eta;
      const delta = d.csg ? Math.exp(theta[last]) : 0;
      if (!Number.isFinite(mu) || !(sigma > 0) || !Number.isFinite(sigma) || !Number.isFinite(delta))
        return Infinity;
      if (d.csg && !(mu > 1e-9 && sigma > 1e-9)) return Infinity;
      total += crpsAndGrad(family, mu, sigma, y[i], g2, delta);
      const dmu = d.csg ? g2[0] * logistic(eta) : g2[0]; // ∂softplus(η)/∂η = Λ(η)
      const dls = g2[1] * sigma; // ∂σ/∂(log σ) = σ
      if (d.csg) grad[last] += g2[2] * delta; // ∂δ/∂c = δ
      grad[0] += dmu;
      for (let j = 0; j < d.loc.length; j++) grad[1 + j] += dmu * d.loc[j][i];
      grad[pl] += dls;
      for (let j = 0; j < d.scale.length; j++) grad[pl + 1 + j] += dls * d.scale[j][i];
    }
    const n = rows.length;
    for (let j = 0; j < grad.length; j++) grad[j] /= n;
    return total / n;
  };
  // The CSG gradient in (μ, σ) is a central difference (≈ 1e-7 relative error): a looser gradient tolerance.
  return bfgs(objective, theta0, { gradTol: d.csg ? 1e-5 : 1e-7, fTol: 1e-12, maxIterations: maxIt });
}

/** Configure once (family, seasonality, predictors), then `process(features, obs, station)`. */
export class SiteEmos {
  readonly options: Required<SiteEmosOptions>;

  constructor(o: SiteEmosOptions) {
    if (!SITE_FAMILIES.includes(o.family))
      throw new InvalidArgumentError(
        `family must be one of ${SITE_FAMILIES.join(', ')}, got "${String(o.family)}"`,
      );
    const maxIterations = o.maxIterations ?? 500;
    const minStationPairs = o.minStationPairs ?? 60;
    if (!(Number.isInteger(maxIterations) && maxIterations > 0))
      throw new InvalidArgumentError(`maxIterations must be a positive integer, got ${maxIterations}`);
    this.options = { ...o, maxIterations, minStationPairs };
  }

  /** Fit on pairs: features x, observations y [pair], station index of each pair. */
  process(x: PairFeatures, y: Float64Array, station: Int32Array, stations: number): SiteEmosParams {
    const { family, seasonal, extras } = this.options;
    if (x.n < 10) throw new DataError(`EMOS needs at least 10 training pairs, got ${x.n}`);
    const raw = locColumns(x, extras, seasonal);
    const locCentre = raw.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
    const locScale = raw.map((c, j) => {
      const sd = Math.sqrt(c.reduce((a, b) => a + (b - locCentre[j]) ** 2, 0) / c.length);
      return sd > 0 ? sd : 1;
    });
    const meanSd = x.sd.reduce((a, b) => a + b, 0) / x.n;
    const base = { family, seasonal, extras, locCentre, locScale, sdEps: Math.max(0.05 * meanSd, 1e-3) };
    const d = design(x, base);
    const yMean = y.reduce((a, b) => a + b, 0) / y.length;
    const ySd = Math.sqrt(y.reduce((a, b) => a + (b - yMean) ** 2, 0) / y.length) || 1;
    const theta0 = new Float64Array(nCoef(d));
    theta0[0] = yMean;
    theta0[1] = 0.8 * ySd;
    theta0[d.loc.length + 1] = Math.log(0.5 * ySd);
    if (d.csg) {
      theta0[0] = Math.log(Math.expm1(Math.max(yMean, 0.05))); // softplus⁻¹
      theta0[d.loc.length + 1] = Math.log(ySd);
      theta0[nCoef(d) - 1] = Math.log(0.1 * ySd);
    }
    const all = Int32Array.from({ length: x.n }, (_, i) => i);
    const pooled = fitSubset(family, d, y, all, theta0, this.options.maxIterations);
    if (!Number.isFinite(pooled.f)) throw new DataError('EMOS fit diverged (non-finite CRPS)');
    let perStation: (number[] | null)[] | null = null;
    if (this.options.perStation && stations > 1) {
      perStation = [];
      const rowsOf: number[][] = Array.from({ length: stations }, () => []);
      for (let i = 0; i < x.n; i++) rowsOf[station[i]].push(i);
      for (let s = 0; s < stations; s++) {
        const rows = Int32Array.from(rowsOf[s]);
        if (rows.length < this.options.minStationPairs) {
          perStation.push(null);
          continue;
        }
        const r = fitSubset(family, d, y, rows, pooled.x, this.options.maxIterations);
        perStation.push(Number.isFinite(r.f) ? Array.from(r.x) : null);
      }
    }
    const params: SiteEmosParams = {
      ...base,
      pooled: Array.from(pooled.x),
      perStation,
      trainingCrps: NaN,
      pairs: x.n,
    };
    const { mu, sigma, shift } = predictSiteEmos(params, x, station);
    let total = 0;
    for (let i = 0; i < x.n; i++) total += crps(family, mu[i], sigma[i], y[i], shift[i]);
    params.trainingCrps = total / x.n;
    return params;
  }
}

/** Predictive parameters of pairs: μ, σ and the CSG shift δ (0 for the other families). */
export interface SiteParameters {
  mu: Float64Array;
  sigma: Float64Array;
  shift: Float64Array;
}

/** Predictive (μ, σ, δ) of every pair under fitted parameters. */
export function predictSiteEmos(p: SiteEmosParams, x: PairFeatures, station: Int32Array): SiteParameters {
  const d = design(x, p);
  const mu = new Float64Array(x.n);
  const sigma = new Float64Array(x.n);
  const shift = new Float64Array(x.n);
  for (let i = 0; i < x.n; i++) {
    const theta = p.perStation?.[station[i]] ?? p.pooled;
    [mu[i], sigma[i], shift[i]] = muSigma(d, theta, i);
  }
  return { mu, sigma, shift };
}
