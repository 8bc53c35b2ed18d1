/**
 * Site EMOS by minimum CRPS (Gneiting et al. 2005, MWR 133): NGR for temperature; for precipitation a logistic
 * left-censored at 0 (Messner et al. 2014, MWR 142) or a censored shifted gamma (Scheuerer & Hamill 2015,
 * MWR 143). Location μ = a·[1, mean, extras…, sin, cos] (CSG: μ = softplus of it, the gamma mean must be
 * positive) and log-scale log σ = b·[1, log(sd + ε), (mean), sin, cos] (annual harmonics when seasonal; Lang et
 * al. 2020, QJRMS 146), CSG shift δ = exp(c); predictors standardised on the training pairs; fitted by BFGS,
 * pooled or per station (pooled coefficients are the start and the fallback).
 * Hurdle log-normal (two-part model, e.g. Wilks 2019, "Statistical Methods in the Atmospheric Sciences"
 * §7.7): logit π = c·[1, frac of dry members, √mean, √extras…, sin, cos] fitted by maximum likelihood
 * (logistic regression), then the log-normal of the wet amounts, μ = a·[1, log(mean + ε), log(extras + ε)…,
 * sin, cos], log σ = b·[1, log(sd + ε), log(mean + ε), sin, cos], by minimum CRPS on the wet pairs.
 * Censored GEV (Scheuerer 2014, QJRMS 140): μ and log σ as the censored logistic's, one shape for all pairs,
 * ξ = GEV_XI_MAX·tanh(c) (|ξ| < ½: finite variance), by minimum CRPS.
 */
import { DataError, InvalidArgumentError } from '../contracts/errors.js';
import { bfgs } from '../emos/bfgs.js';
import {
  GEV_XI_MAX,
  crps,
  crpsAndGrad,
  crpsHurdleAndGrad,
  isCensored,
  logistic,
  softplus,
} from './distributions.js';
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
  /** Hurdle: ε of log(amount + ε) and the wet-probability design's column centres and scales. */
  amountEps?: number;
  wetCentre?: number[];
  wetScale?: number[];
}

type DesignBase = Omit<SiteEmosParams, 'pooled' | 'perStation' | 'trainingCrps' | 'pairs'>;

const isHurdle = (f: SiteFamily) => f === 'hurdle-lognormal';

/**
 * Cap of the hurdle's log-normal σ (of log amounts): log σ is linear in the predictors, and an out-of-sample
 * predictor far outside the training range would otherwise give e^{σ²/2}-sized means (seen on a validation
 * fold); σ = 3 already spreads the central 90 % over a factor of 10⁴.
 */
export const HURDLE_MAX_SIGMA = 3;

function locColumns(
  x: PairFeatures,
  extras: string[],
  seasonal: boolean,
  amountEps?: number,
): Float64Array[] {
  const t = (c: Float64Array) =>
    amountEps === undefined ? c : c.map((v) => Math.log(Math.max(v, 0) + amountEps));
  const cols: Float64Array[] = [t(x.mean), ...extras.map((e) => t(x.extras[e]))];
  if (seasonal) cols.push(x.doySin, x.doyCos);
  return cols;
}

/** Hurdle wet-probability columns (unstandardised): fraction of dry members, √mean, √extras, harmonics. */
function wetColumns(x: PairFeatures, extras: string[], seasonal: boolean): Float64Array[] {
  const r = (c: Float64Array) => c.map((v) => Math.sqrt(Math.max(v, 0)));
  const cols: Float64Array[] = [x.fracZero, r(x.mean), ...extras.map((e) => r(x.extras[e]))];
  if (seasonal) cols.push(x.doySin, x.doyCos);
  return cols;
}

/** Column centres and scales (population sd; 1 for a constant column). */
function standardise(cols: Float64Array[]): [number[], number[]] {
  const centre = cols.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
  const scale = cols.map((c, j) => {
    const sd = Math.sqrt(c.reduce((a, b) => a + (b - centre[j]) ** 2, 0) / c.length);
    return sd > 0 ? sd : 1;
  });
  return [centre, scale];
}

interface Design {
  loc: Float64Array[]; // standardised columns, intercept implicit
  scale: Float64Array[];
  n: number;
  /** CSG: μ = softplus(a·x) and a trailing shift coefficient δ = exp(c). */
  csg: boolean;
  /** Censored GEV: a trailing shape coefficient, ξ = GEV_XI_MAX·tanh(c). */
  gev: boolean;
  /** Hurdle: standardised wet-probability columns (intercept implicit; coefficients after a and b). */
  wet: Float64Array[] | null;
}

function design(x: PairFeatures, p: DesignBase): Design {
  const raw = locColumns(x, p.extras, p.seasonal, p.amountEps);
  const loc = raw.map((c, j) => c.map((v) => (v - p.locCentre[j]) / p.locScale[j]));
  const scale: Float64Array[] = [x.sd.map((s) => Math.log(s + p.sdEps))];
  if (isCensored(p.family)) scale.push(loc[0]);
  if (p.seasonal) scale.push(x.doySin, x.doyCos);
  const wet = isHurdle(p.family)
    ? wetColumns(x, p.extras, p.seasonal).map((c, j) => c.map((v) => (v - p.wetCentre![j]) / p.wetScale![j]))
    : null;
  return {
    loc,
    scale,
    n: x.n,
    csg: p.family === 'censored-shifted-gamma',
    gev: p.family === 'censored-gev',
    wet,
  };
}

/** Linear predictor of the wet probability (logit π) of pair i. */
function wetEta(d: Design, theta: ArrayLike<number>, i: number): number {
  const w0 = d.loc.length + d.scale.length + 2;
  let eta = theta[w0];
  for (let j = 0; j < d.wet!.length; j++) eta += theta[w0 + 1 + j] * d.wet![j][i];
  return eta;
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
  return d.loc.length + 1 + d.scale.length + 1 + (d.csg || d.gev ? 1 : 0) + (d.wet ? d.wet.length + 1 : 0);
}

/** μ, σ, δ (CSG), π (hurdle) or ξ (GEV) of pair i. */
function muSigma(d: Design, theta: ArrayLike<number>, i: number): [number, number, number] {
  const [eta, sigma] = etaSigma(d, theta, i);
  if (d.wet) return [eta, Math.min(sigma, HURDLE_MAX_SIGMA), logistic(wetEta(d, theta, i))];
  if (d.gev) return [eta, sigma, GEV_XI_MAX * Math.tanh(theta[nCoef(d) - 1])];
  if (!d.csg) return [eta, sigma, 0];
  return [softplus(eta), sigma, Math.exp(theta[nCoef(d) - 1])];
}

/**
 * Hurdle fit on `rows`: (1) logistic regression of 1{y > 0} on the wet design by maximum likelihood (a ridge
 * 1e-3·|c|² on the slopes keeps a station that is never dry finite), (2) the log-normal of the wet pairs by
 * minimum CRPS (crpsHurdleAndGrad with π = 1 is the log-normal CRPS). Returns the joint coefficient vector and
 * the mean hurdle CRPS of the rows (Infinity when either part cannot be fitted).
 */
function fitHurdle(d: Design, y: Float64Array, rows: Int32Array, theta0: Float64Array, maxIt: number) {
  const wet = d.wet!;
  const w0 = d.loc.length + d.scale.length + 2;
  const nw = wet.length + 1;
  const wetRows = rows.filter((i) => y[i] > 0);
  if (wetRows.length < 10) return { x: theta0, f: Infinity };
  const ridge = 1e-3;
  const logLik = (c: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let total = 0;
    for (const i of rows) {
      let eta = c[0];
      for (let j = 0; j < wet.length; j++) eta += c[1 + j] * wet[j][i];
      const o = y[i] > 0 ? 1 : 0;
      total += softplus(eta) - o * eta; // −log-likelihood of a Bernoulli with logit η
      const r = logistic(eta) - o;
      grad[0] += r;
      for (let j = 0; j < wet.length; j++) grad[1 + j] += r * wet[j][i];
    }
    const n = rows.length;
    for (let j = 0; j < nw; j++) grad[j] /= n;
    let pen = 0;
    for (let j = 1; j < nw; j++) {
      pen += ridge * c[j] * c[j];
      grad[j] += 2 * ridge * c[j];
    }
    return total / n + pen;
  };
  const a = bfgs(logLik, theta0.slice(w0, w0 + nw), { gradTol: 1e-8, fTol: 1e-12, maxIterations: maxIt });
  const pl = d.loc.length + 1;
  const np = pl + d.scale.length + 1;
  const g2 = new Float64Array(2);
  const amounts = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let total = 0;
    for (const i of wetRows) {
      const [mu, s] = etaSigma(d, theta, i);
      const sigma = Math.min(s, HURDLE_MAX_SIGMA);
      if (!Number.isFinite(mu) || !(sigma > 1e-9) || mu > 50) return Infinity;
      total += crpsHurdleAndGrad(mu, sigma, 1, y[i], g2);
      const dls = s < HURDLE_MAX_SIGMA ? g2[1] * sigma : 0;
      grad[0] += g2[0];
      for (let j = 0; j < d.loc.length; j++) grad[1 + j] += g2[0] * d.loc[j][i];
      grad[pl] += dls;
      for (let j = 0; j < d.scale.length; j++) grad[pl + 1 + j] += dls * d.scale[j][i];
    }
    for (let j = 0; j < np; j++) grad[j] /= wetRows.length;
    return total / wetRows.length;
  };
  const b = bfgs(amounts, theta0.slice(0, np), { gradTol: 1e-7, fTol: 1e-12, maxIterations: maxIt });
  const x = new Float64Array(np + nw);
  x.set(b.x, 0);
  x.set(a.x, np);
  if (!Number.isFinite(a.f) || !Number.isFinite(b.f)) return { x, f: Infinity };
  let total = 0;
  for (const i of rows) {
    const [mu, sigma, pi] = muSigma(d, x, i);
    total += crpsHurdleAndGrad(mu, sigma, pi, y[i], g2);
  }
  return { x, f: total / rows.length };
}

function fitSubset(
  family: SiteFamily,
  d: Design,
  y: Float64Array,
  rows: Int32Array,
  theta0: Float64Array,
  maxIt: number,
) {
  if (d.wet) return fitHurdle(d, y, rows, theta0, maxIt);
  const pl = d.loc.length + 1;
  const g2 = new Float64Array(3);
  const last = nCoef(d) - 1;
  const objective = (theta: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let total = 0;
    for (const i of rows) {
      const [eta, sigma] = etaSigma(d, theta, i);
      const mu = d.csg ? softplus(eta) : eta;
      const th = d.gev ? Math.tanh(theta[last]) : 0;
      const delta = d.csg ? Math.exp(theta[last]) : d.gev ? GEV_XI_MAX * th : 0;
      if (!Number.isFinite(mu) || !(sigma > 0) || !Number.isFinite(sigma) || !Number.isFinite(delta))
        return Infinity;
      if (d.csg && !(mu > 1e-9 && sigma > 1e-9)) return Infinity;
      total += crpsAndGrad(family, mu, sigma, y[i], g2, delta);
      const dmu = d.csg ? g2[0] * logistic(eta) : g2[0]; // ∂softplus(η)/∂η = Λ(η)
      const dls = g2[1] * sigma; // ∂σ/∂(log σ) = σ
      if (d.csg) grad[last] += g2[2] * delta; // ∂δ/∂c = δ
      if (d.gev) grad[last] += g2[2] * GEV_XI_MAX * (1 - th * th); // ∂ξ/∂c
      grad[0] += dmu;
      for (let j = 0; j < d.loc.length; j++) grad[1 + j] += dmu * d.loc[j][i];
      grad[pl] += dls;
      for (let j = 0; j < d.scale.length; j++) grad[pl + 1 + j] += dls * d.scale[j][i];
    }
    const n = rows.length;
    for (let j = 0; j < grad.length; j++) grad[j] /= n;
    return total / n;
  };
  // The CSG gradient in (μ, σ) and the GEV's in ξ are central differences: a looser gradient tolerance.
  const loose = d.csg || d.gev;
  return bfgs(objective, theta0, { gradTol: loose ? 1e-5 : 1e-7, fTol: 1e-12, maxIterations: maxIt });
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
    const hurdle = isHurdle(family);
    const meanMean = x.mean.reduce((a, b) => a + Math.max(b, 0), 0) / x.n;
    // Hurdle: log(amount + ε) with ε a tenth of the mean ensemble mean (an all-dry ensemble stays finite).
    const amountEps = hurdle ? Math.max(0.1 * meanMean, 1e-3) : undefined;
    const [locCentre, locScale] = standardise(locColumns(x, extras, seasonal, amountEps));
    const meanSd = x.sd.reduce((a, b) => a + b, 0) / x.n;
    const base: DesignBase = {
      family,
      seasonal,
      extras,
      locCentre,
      locScale,
      sdEps: Math.max(0.05 * meanSd, 1e-3),
    };
    if (hurdle) {
      const [wetCentre, wetScale] = standardise(wetColumns(x, extras, seasonal));
      Object.assign(base, { amountEps, wetCentre, wetScale });
    }
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
    if (d.gev) theta0[nCoef(d) - 1] = Math.atanh(0.1 / GEV_XI_MAX); // ξ₀ = 0.1
    if (d.wet) {
      const logs = Array.from(y).flatMap((v) => (v > 0 ? [Math.log(v)] : []));
      const lm = logs.reduce((a, b) => a + b, 0) / Math.max(logs.length, 1);
      const ls = Math.sqrt(logs.reduce((a, b) => a + (b - lm) ** 2, 0) / Math.max(logs.length, 1)) || 1;
      const pw = Math.min(Math.max(logs.length / y.length, 0.01), 0.99);
      theta0.fill(0);
      theta0[0] = lm;
      theta0[1] = 0.5 * ls;
      theta0[d.loc.length + 1] = Math.log(ls);
      theta0[d.loc.length + d.scale.length + 2] = Math.log(pw / (1 - pw));
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

/** Predictive parameters of pairs: μ, σ and the third parameter (CSG shift δ, hurdle π, GEV ξ; else 0). */
export interface SiteParameters {
  mu: Float64Array;
  sigma: Float64Array;
  shift: Float64Array;
  /** A Bernstein quantile network's forecasts (drn output 'bernstein'): coefficients [pair, degree + 1]. */
  bernstein?: { degree: number; censored: boolean; coefficients: Float64Array };
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
