import { InvalidArgumentError } from '../../../libs/contracts/errors.js';
import {
  GEV_XI_MAX,
  cdf,
  crps,
  crpsAndGrad,
  meanStd,
  pit,
  quantile,
} from '../../../libs/sites/distributions.js';
import { SiteDrn } from '../../../libs/sites/drn.js';
import { SiteEmos, predictSiteEmos } from '../../../libs/sites/emos.js';
import { evaluateSiteModel, rng } from '../../../libs/sites/evaluate.js';
import type { PairFeatures } from '../../../libs/sites/features.js';
import { fitSiteModel, loadSiteModel, predictSiteModel, saveSiteModel } from '../../../libs/sites/model.js';
import { readSiteForecast, readSiteObservations } from '../../../libs/sites/read.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeRealData, realSiteFile } from '../../helpers/realData.js';

const F = 'censored-gev' as const;

/** Composite Simpson of g on [a, b] with n (even) intervals. */
function simpson(g: (x: number) => number, a: number, b: number, n: number): number {
  const h = (b - a) / n;
  let acc = 0;
  for (let i = 0; i <= n; i++) acc += (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * g(a + i * h);
  return (acc * h) / 3;
}

/**
 * ∫_0^∞ (F(z) − 1{y ≤ z})² dz numerically: Simpson on [0, y] and, above y, in v with z = y + σ(eᵛ − 1) up to
 * z − y = 10⁹σ (the GEV's upper tail 1 − F ~ z^{−1/ξ} is heavy; a uniform grid would need ~10⁹ points).
 */
function crpsIntegral(mu: number, sigma: number, xi: number, y: number): number {
  const Fz = (z: number) => cdf(F, mu, sigma, z, xi);
  const lo = y > 0 ? simpson((z) => Fz(z) ** 2, 0, y, 8_000) : 0;
  const V = Math.log1p(1e9);
  const hi = simpson((v) => (1 - Fz(y + sigma * Math.expm1(v))) ** 2 * sigma * Math.exp(v), 0, V, 40_000);
  return lo + hi;
}

// (μ, σ, ξ, y): heavy and light tails, ξ on both sides of 0 and inside the small-|ξ| interpolation, y at the
// censoring point, 0 below a ξ > 0 support (no mass at 0), 0 above a ξ < 0 support (all mass at 0).
const cases: [number, number, number, number][] = [
  [1, 2, 0.2, 3],
  [1, 2, 0.2, 0],
  [-1, 1.5, 0.3, 0.5],
  [2, 1, -0.2, 1.5],
  [0.5, 1, 5e-4, 2],
  [0.5, 1, 0, 2],
  [0.5, 1, -4e-4, 0],
  [3, 1, 0.4, 10],
  [-3, 1, 0.1, 0],
  [5, 1, 0.35, 0.2],
  [-5, 1, -0.3, 0],
];

describe('censored GEV: CRPS, gradient, CDF, quantiles, moments', () => {
  test.each(cases)('μ=%p σ=%p ξ=%p y=%p: closed form = numerical integral', (mu, sigma, xi, y) => {
    expect(Math.abs(crps(F, mu, sigma, y, xi) - crpsIntegral(mu, sigma, xi, y))).toBeLessThan(1e-8);
  });

  test.each(cases)(
    'μ=%p σ=%p ξ=%p y=%p: gradient = central differences of the numerical integral',
    (mu, sigma, xi, y) => {
      const g = new Float64Array(3);
      const c = crpsAndGrad(F, mu, sigma, y, g, xi);
      expect(c).toBeCloseTo(crps(F, mu, sigma, y, xi), 12);
      const e = 1e-4;
      const num = [
        (crpsIntegral(mu + e, sigma, xi, y) - crpsIntegral(mu - e, sigma, xi, y)) / (2 * e),
        (crpsIntegral(mu, sigma + e, xi, y) - crpsIntegral(mu, sigma - e, xi, y)) / (2 * e),
        (crpsIntegral(mu, sigma, xi + e, y) - crpsIntegral(mu, sigma, xi - e, y)) / (2 * e),
      ];
      for (let k = 0; k < 3; k++) expect(Math.abs(g[k] - num[k])).toBeLessThan(2e-5);
    },
  );

  test('y < 0 is scored as 0 plus −y, with the gradient of y = 0', () => {
    const g0 = new Float64Array(3);
    const g1 = new Float64Array(3);
    const c0 = crpsAndGrad(F, 1, 2, 0, g0, 0.2);
    const c1 = crpsAndGrad(F, 1, 2, -0.3, g1, 0.2);
    expect(c1).toBeCloseTo(c0 + 0.3, 12);
    for (let k = 0; k < 3; k++) expect(g1[k]).toBeCloseTo(g0[k], 9);
  });

  test('the small-|ξ| interpolation joins the closed form smoothly (no step at |ξ| = 1e-3)', () => {
    for (const y of [0, 0.7, 4]) {
      const inside = crps(F, 0.5, 1, y, 0.999e-3);
      const outside = crps(F, 0.5, 1, y, 1.001e-3);
      // The local slope (±1e-4 around the joint).
      const slope = (crps(F, 0.5, 1, y, 1.1e-3) - crps(F, 0.5, 1, y, 0.9e-3)) / 2e-4;
      expect(Math.abs(outside - inside - slope * 2e-6)).toBeLessThan(1e-11);
    }
  });

  test('CDF: 0 below 0, mass F(0) at 0; quantile inverts it above F(0) and is 0 below', () => {
    for (const [mu, sigma, xi] of [
      [1, 2, 0.2],
      [-0.5, 1, -0.25],
      [0.3, 0.8, 0],
      [2, 1, 2e-4],
    ]) {
      expect(cdf(F, mu, sigma, -1e-9, xi)).toBe(0);
      const F0 = cdf(F, mu, sigma, 0, xi);
      expect(quantile(F, mu, sigma, F0 * 0.999, xi)).toBe(0);
      for (const p of [0.5, 0.9, 0.99].filter((q) => q > F0)) {
        const q = quantile(F, mu, sigma, p, xi);
        expect(cdf(F, mu, sigma, q, xi)).toBeCloseTo(p, 10);
      }
      // The randomised PIT at y = 0 lies in [0, F(0)].
      expect(pit(F, mu, sigma, 0, 0.5, xi)).toBeCloseTo(0.5 * F0, 12);
    }
  });

  test.each([
    [1, 2, 0.3],
    [1, 2, 0.005],
    [0.5, 1, 0],
    [-0.5, 1, -0.2],
    [3, 1, 0.1],
  ])('μ=%p σ=%p ξ=%p: mean and sd = numerical ∫(1 − F), ∫2z(1 − F)', (mu, sigma, xi) => {
    const [m, sd] = meanStd(F, mu, sigma, xi);
    const V = Math.log1p(1e9);
    const tail = (g: (z: number) => number) =>
      simpson((v) => g(sigma * Math.expm1(v)) * sigma * Math.exp(v), 0, V, 40_000);
    const m1 = tail((z) => 1 - cdf(F, mu, sigma, z, xi));
    const m2 = tail((z) => 2 * z * (1 - cdf(F, mu, sigma, z, xi)));
    expect(m).toBeCloseTo(m1, 6);
    expect(sd).toBeCloseTo(Math.sqrt(m2 - m1 * m1), 5);
  });
});

describe('censored-GEV EMOS', () => {
  /** Pairs whose truth is a censored GEV with μ = 0.8 m − 0.5, σ = 0.6 + 0.3 m, ξ = 0.25, m the ensemble mean. */
  function synthetic(n: number, seed: number): { x: PairFeatures; y: Float64Array } {
    const u = rng(seed);
    const mean = new Float64Array(n);
    const sd = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      mean[i] = 4 * u();
      sd[i] = Math.exp(Math.log(0.6 + 0.3 * mean[i]) + 0.05 * (u() - 0.5)) - 0.05;
      y[i] = quantile(F, 0.8 * mean[i] - 0.5, 0.6 + 0.3 * mean[i], Math.min(u(), 1 - 1e-12), 0.25);
    }
    const zero = new Float64Array(n);
    const x = {
      n,
      mean,
      sd,
      fracZero: zero,
      doySin: zero,
      doyCos: zero,
      extras: {},
    } as unknown as PairFeatures;
    return { x, y };
  }

  test('recovers the shape of a censored-GEV truth and beats the censored logistic on it out of sample', () => {
    const train = synthetic(3000, 1);
    const test = synthetic(3000, 2);
    const st = new Int32Array(3000);
    const gev = new SiteEmos({ family: F, seasonal: false, extras: [], perStation: false }).process(
      train.x,
      train.y,
      st,
      1,
    );
    const cl = new SiteEmos({
      family: 'censored-logistic',
      seasonal: false,
      extras: [],
      perStation: false,
    }).process(train.x, train.y, st, 1);
    const pg = predictSiteEmos(gev, test.x, st);
    const pc = predictSiteEmos(cl, test.x, st);
    expect(Math.abs(pg.shift[0] - 0.25)).toBeLessThan(0.08);
    expect(Math.abs(pg.shift[0])).toBeLessThan(GEV_XI_MAX);
    let sg = 0;
    let sc = 0;
    for (let i = 0; i < 3000; i++) {
      sg += crps(F, pg.mu[i], pg.sigma[i], test.y[i], pg.shift[i]);
      sc += crps('censored-logistic', pc.mu[i], pc.sigma[i], test.y[i], pc.shift[i]);
    }
    expect(sg).toBeLessThan(sc);
  });

  test('the DRN refuses the family with a typed error naming it', () => {
    expect(() => new SiteDrn({ family: F, extras: [] })).toThrow(InvalidArgumentError);
    expect(() => new SiteDrn({ family: F, extras: [] })).toThrow(/censored-gev is EMOS only/);
  });
});

/** The ECMWF Frankfurt precipitation forecasts and their observations (in the forecasts' units). */
async function frankfurt() {
  const f = await readSiteForecast(
    realSiteFile('ecmwf-frankfurt-precip/forecast.nc'),
    'precipitation_amount',
  );
  const obs = await readSiteObservations(
    realSiteFile('ecmwf-frankfurt-precip/observation.nc'),
    'precipitation_amount',
    f.units,
  );
  return { f, obs };
}
const iso = (s: string) => Date.parse(s) / 1000;

describeRealData('censored-GEV EMOS on Frankfurt (real ENS + HRES): fit, save, load, predict', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'epp-sites-gev-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('monotone percentiles, exceedance probabilities falling with the threshold, same after a reload', async () => {
    const { f, obs } = await frankfurt();
    const model = fitSiteModel(f, obs, {
      method: 'emos',
      members: 10,
      family: F,
      trainFrom: iso('2010-01-01'),
      trainTo: iso('2012-01-01'),
    });
    expect(model.family).toBe(F);
    const period = { from: iso('2012-01-01'), to: iso('2012-03-01') };
    const a = predictSiteModel(model, f, period);
    saveSiteModel(dir, model);
    const b = predictSiteModel(loadSiteModel(dir).model, f, period);
    expect(Array.from(b.quantiles)).toEqual(Array.from(a.quantiles));
    const T = a.times.length;
    expect(T).toBe(60);
    for (let t = 0; t < T; t++) {
      for (let p = 1; p < 99; p++)
        expect(a.quantiles[p * T + t]).toBeGreaterThanOrEqual(a.quantiles[(p - 1) * T + t]);
      expect(a.mean[t]).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(a.std[t])).toBe(true);
      for (let j = 1; j < a.thresholds.length; j++)
        expect(a.probabilities[j * T + t]).toBeLessThanOrEqual(a.probabilities[(j - 1) * T + t]);
    }
  });
  test('evaluate --compare: other models scored on the same pairs, with the paired skill against each', async () => {
    const { f, obs } = await frankfurt();
    const fit = (family: 'censored-gev' | 'censored-logistic') =>
      fitSiteModel(f, obs, {
        method: 'emos',
        members: 10,
        family,
        trainFrom: iso('2010-01-01'),
        trainTo: iso('2012-01-01'),
      });
    const gev = fit(F);
    const cl = fit('censored-logistic');
    const period = { from: iso('2012-01-01'), to: iso('2012-07-01') };
    const e = evaluateSiteModel(gev, f, obs, period, undefined, [
      { label: 'itself', model: gev },
      { label: 'cl', model: cl },
    ]);
    const own = evaluateSiteModel(cl, f, obs, period);
    expect(e.compare).toHaveLength(2);
    const [self, other] = e.compare!;
    expect(self.crps.mean).toBeCloseTo(e.crps.model.mean, 12);
    expect(self.skillOfModel).toEqual({ mean: 0, lo: 0, hi: 0 });
    expect(other).toMatchObject({ label: 'cl', method: 'emos', family: 'censored-logistic', members: 10 });
    expect(other.crps.mean).toBeCloseTo(own.crps.model.mean, 12);
    expect(other.skillOfModel.mean).toBeCloseTo(1 - e.crps.model.mean / own.crps.model.mean, 12);
    expect(other.skillOfModel.lo).toBeLessThanOrEqual(other.skillOfModel.mean);
    expect(other.skillOfModel.hi).toBeGreaterThanOrEqual(other.skillOfModel.mean);
    expect(() =>
      evaluateSiteModel(gev, f, obs, period, undefined, [{ label: 'mm', model: { ...cl, units: 'm' } }]),
    ).toThrow(/--compare mm: model of precipitation_amount \[m\]/);
  });
});
