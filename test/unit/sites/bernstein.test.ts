import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidArgumentError, ModelError } from '../../../libs/contracts/errors.js';
import { selectBackend } from '../../../libs/model/backend.js';
import {
  BQN_LEVELS,
  baseShape,
  bernsteinCdf,
  bernsteinCrps,
  bernsteinMeanStd,
  bernsteinPit,
  bernsteinQuantile,
  bernsteinValue,
  monotoneCoefficients,
  type BernsteinForecast,
} from '../../../libs/sites/bernstein.js';
import { crps } from '../../../libs/sites/distributions.js';
import { SiteDrn, bqnCoefficients, bqnLoss, predictSiteDrn } from '../../../libs/sites/drn.js';
import { evaluateSiteModel } from '../../../libs/sites/evaluate.js';
import { rng } from '../../../libs/sites/evaluate.js';
import { MEMBER_QUANTILES, type PairFeatures } from '../../../libs/sites/features.js';
import { fitSiteModel, loadSiteModel, predictSiteModel, saveSiteModel } from '../../../libs/sites/model.js';
import { readSiteForecast, readSiteObservations } from '../../../libs/sites/read.js';
import { describeRealData, realSiteFile } from '../../helpers/realData.js';

/** Random raw network outputs, including large magnitudes (softplus saturating at both ends). */
function rawOutputs(u: () => number, D: number): number[] {
  return Array.from({ length: D }, () => (u() < 0.2 ? 60 : 8) * (2 * u() - 1));
}

/**
 * ∫ (F(z) − 1{y ≤ z})² dz by composite Simpson (n cells a piece) on [lo, hi] split at the kinks and jumps of the
 * integrand: y, 0 (the point mass of a censored forecast) and the support's ends Q(0), Q(1).
 */
function crpsIntegral(f: BernsteinForecast, y: number, lo: number, hi: number, n = 2000): number {
  const cuts = [lo, hi, y, 0, f.a[f.off], f.a[f.off + f.d]].filter((c) => c >= lo && c <= hi);
  cuts.sort((p, q) => p - q);
  const g = (z: number, right: boolean) => {
    const e = bernsteinCdf(f, z) - (y < z || (right && y === z) ? 1 : 0);
    return e * e;
  };
  let acc = 0;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const [a, b] = [cuts[c], cuts[c + 1]];
    if (!(b > a)) continue;
    const h = (b - a) / n;
    // One-sided end values: the integrand on (a, b) continued to its ends (F jumps at 0; the indicator at y).
    const eps = 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
    let sum = g(a + eps, true) + g(b - eps, false);
    for (let k = 1; k < n; k++) sum += (k % 2 ? 4 : 2) * g(a + k * h, false);
    acc += (sum * h) / 3;
  }
  return acc;
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('Bernstein quantile functions (bernstein.ts)', () => {
  test('the quantile function is non-decreasing for any raw outputs (float64 and the network tensor path)', () => {
    const u = rng(11);
    for (let r = 0; r < 200; r++) {
      const d = 1 + Math.floor(u() * 14);
      const a = monotoneCoefficients(rawOutputs(u, d + 1));
      for (let j = 1; j <= d; j++) expect(a[j]).toBeGreaterThanOrEqual(a[j - 1]);
      let prev = -Infinity;
      for (let k = 0; k <= 400; k++) {
        const q = bernsteinValue(a, 0, d, k / 400);
        expect(q).toBeGreaterThanOrEqual(prev - 1e-9 * Math.max(1, Math.abs(q)));
        prev = q;
      }
    }
    // The DRN's BQN head: base (μ, log σ) and raw outputs of any size give non-decreasing coefficients.
    const before = tf.memory().numTensors;
    for (const family of ['censored-logistic', 'normal'] as const) {
      const n = 50;
      const D = 13;
      const raw = Float32Array.from({ length: n * D }, () => rawOutputs(u, 1)[0]);
      const mu = Float32Array.from({ length: n }, () => 10 * (2 * u() - 1));
      const ls = Float32Array.from({ length: n }, () => 4 * (2 * u() - 1));
      const a = tf.tidy(() =>
        bqnCoefficients(
          { degree: 12, family, yScale: 3 },
          tf.tensor2d(raw, [n, D]),
          tf.tensor1d(mu),
          tf.tensor1d(ls),
        ).dataSync(),
      );
      for (let i = 0; i < n; i++)
        for (let j = 1; j < D; j++) expect(a[i * D + j]).toBeGreaterThanOrEqual(a[i * D + j - 1]);
      expect(Array.from(a).every(Number.isFinite)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('zero raw outputs give the base EMOS quantile function (to within its Bernstein fit)', () => {
    const c = baseShape(12, 'censored-logistic');
    for (let j = 1; j <= 12; j++) expect(c[j] - c[j - 1]).toBeGreaterThanOrEqual(0.05 - 1e-12);
    const a = tf.tidy(() =>
      bqnCoefficients(
        { degree: 12, family: 'censored-logistic', yScale: 2 },
        tf.zeros([1, 13]),
        tf.tensor1d([1.5]),
        tf.tensor1d([Math.log(0.8)]),
      ).dataSync(),
    );
    for (let j = 0; j <= 12; j++) expect(a[j]).toBeCloseTo(1.5 + 0.8 * c[j], 4);
    // Within the central levels the Bernstein base is the logistic quantile μ + σ logit τ to < 0.02σ.
    for (const t of [0.1, 0.3, 0.5, 0.7, 0.9])
      expect(Math.abs(bernsteinValue(a, 0, 12, t) - (1.5 + 0.8 * Math.log(t / (1 - t))))).toBeLessThan(
        0.02 * 0.8,
      );
  });

  test('the training loss and its gradient equal a direct float64 computation of 2 × the mean pinball loss of max(Q, 0)', () => {
    const u = rng(5);
    const n = 40;
    const d = 9;
    const D = d + 1;
    const alpha = new Float64Array(n * D);
    const y = Float64Array.from({ length: n }, () => (u() < 0.4 ? 0 : 5 * u() ** 2));
    for (let i = 0; i < n; i++) alpha.set(monotoneCoefficients(rawOutputs(u, D).map((v) => v / 8)), i * D);
    for (const censored of [true, false]) {
      let direct = 0;
      for (let i = 0; i < n; i++)
        for (const t of BQN_LEVELS) {
          let q = bernsteinValue(alpha, i * D, d, t);
          if (censored) q = Math.max(q, 0);
          direct += ((y[i] < q ? 1 : 0) - t) * (q - y[i]);
        }
      direct = (2 * direct) / (n * BQN_LEVELS.length);
      const loss = tf.tidy(
        () =>
          bqnLoss(
            tf.tensor2d(Float32Array.from(alpha), [n, D]),
            tf.tensor1d(Float32Array.from(y)),
            censored,
          ).dataSync()[0],
      );
      expect(Math.abs(loss - direct)).toBeLessThan(1e-5 * Math.max(1, direct));
      // Its gradient against central differences of the direct computation (coefficients of pair 0..3).
      const g = tf.tidy(() =>
        tf
          .grad((a: tf.Tensor) => bqnLoss(a as tf.Tensor2D, tf.tensor1d(Float32Array.from(y)), censored))(
            tf.tensor2d(Float32Array.from(alpha), [n, D]),
          )
          .dataSync(),
      );
      const directAt = (a: Float64Array) => {
        let acc = 0;
        for (let i = 0; i < n; i++)
          for (const t of BQN_LEVELS) {
            let q = bernsteinValue(a, i * D, d, t);
            if (censored) q = Math.max(q, 0);
            acc += ((y[i] < q ? 1 : 0) - t) * (q - y[i]);
          }
        return (2 * acc) / (n * BQN_LEVELS.length);
      };
      for (let k = 0; k < 4 * D; k++) {
        const h = 1e-6;
        const up = Float64Array.from(alpha);
        const dn = Float64Array.from(alpha);
        up[k] += h;
        dn[k] -= h;
        expect(g[k]).toBeCloseTo((directAt(up) - directAt(dn)) / (2 * h), 5);
      }
    }
  });

  test('the exact CRPS equals a numerical integral of (F − 1{y ≤ z})², censored and not, y at and around the support', () => {
    const u = rng(3);
    const cases: [BernsteinForecast, number[]][] = [];
    for (let r = 0; r < 4; r++) {
      const d = [4, 8, 12, 12][r];
      // Moderate raw outputs: F stays smooth inside the support (no near-flat Q for the quadrature).
      const a = monotoneCoefficients(Array.from({ length: d + 1 }, () => 2 * (2 * u() - 1)));
      const censored = r % 2 === 0;
      const lo = a[0];
      const hi = a[d];
      cases.push([
        { a, off: 0, d, censored },
        [0, lo - 1, hi + 1, 0.5 * (lo + hi), lo + 0.1 * (hi - lo), Math.max(lo, 0) + 0.3],
      ]);
    }
    for (const [f, ys] of cases)
      for (const y of ys) {
        const lo = Math.min(f.censored ? 0 : f.a[0], y) - 1;
        const hi = Math.max(f.a[f.d], y) + 1;
        const c = bernsteinCrps(f, y);
        expect(Math.abs(c - crpsIntegral(f, y, lo, hi))).toBeLessThan(1e-6 * Math.max(1, c));
      }
  });

  test('CDF inverts the quantile function; mean, sd and the randomised PIT', () => {
    const a = monotoneCoefficients([-1, 0.2, -0.5, 1, 0.1, -2, 0.7, 0.3, 0.1]);
    const f: BernsteinForecast = { a, off: 0, d: 8, censored: true };
    const F0 = bernsteinCdf(f, 0);
    expect(F0).toBeGreaterThan(0.05);
    expect(bernsteinCdf(f, -1e-9)).toBe(0);
    for (const p of [0.3, 0.5, 0.9, 0.99])
      expect(bernsteinCdf(f, bernsteinQuantile(f, p))).toBeCloseTo(p, 12);
    expect(bernsteinQuantile(f, F0 / 2)).toBe(0);
    // Moments against the quantile integrals ∫ Q⁺ dτ, ∫ Q⁺² dτ (midpoint rule, 10⁶ cells).
    let m1 = 0;
    let m2 = 0;
    const n = 1_000_000;
    for (let k = 0; k < n; k++) {
      const q = bernsteinQuantile(f, (k + 0.5) / n);
      m1 += q / n;
      m2 += (q * q) / n;
    }
    const [mean, sd] = bernsteinMeanStd(f);
    expect(mean).toBeCloseTo(m1, 8);
    expect(sd).toBeCloseTo(Math.sqrt(m2 - m1 * m1), 8);
    expect(bernsteinPit(f, 0, 0.5)).toBeCloseTo(0.5 * F0, 15);
    expect(bernsteinPit(f, 1, 0.5)).toBe(bernsteinCdf(f, 1));
  });
});

/** Synthetic pairs with a known skewed truth: Y = max(0, m − 1.5 + s·E), s = 0.5 + 0.5m, E ~ Exp(1), m ~ U(0, 4). */
function skewed(n: number, seed: number) {
  const u = rng(seed);
  const truthQ = (m: number, t: number) => Math.max(0, m - 1.5 - (0.5 + 0.5 * m) * Math.log(1 - t));
  const m = Float64Array.from({ length: n }, () => 4 * u());
  const y = Float64Array.from(m, (v) => truthQ(v, u()));
  const angle = Float64Array.from({ length: n }, () => 2 * Math.PI * u());
  const x: PairFeatures = {
    n,
    mean: m,
    sd: Float64Array.from(m, (v) => 0.5 + 0.5 * v),
    fracZero: Float64Array.from(m, (v) => 1 - Math.exp(-Math.max(1.5 - v, 0) / (0.5 + 0.5 * v))),
    quantiles: MEMBER_QUANTILES.map((t) => Float64Array.from(m, (v) => truthQ(v, t))),
    extras: {},
    doySin: angle.map(Math.sin),
    doyCos: angle.map(Math.cos),
  };
  return { x, y, truthQ, m };
}

describe('Bernstein quantile network (drn output bernstein)', () => {
  test('recovers the quantiles of a skewed censored truth and beats the censored-logistic DRN on it', () => {
    const n = 2000;
    const train = skewed(n, 1);
    const test = skewed(n, 2);
    const st = new Int32Array(n);
    const valid = Uint8Array.from({ length: n }, (_, i) => (i >= 0.8 * n ? 1 : 0));
    const before = tf.memory().numTensors;
    const opts = { family: 'censored-logistic' as const, extras: [], seeds: 1, maxEpochs: 40 };
    const bqn = new SiteDrn({ ...opts, output: 'bernstein', degree: 12 }).process(
      train.x,
      train.y,
      st,
      1,
      valid,
    );
    const cl = new SiteDrn(opts).process(train.x, train.y, st, 1, valid);
    const pb = predictSiteDrn(bqn, test.x, st);
    const pc = predictSiteDrn(cl, test.x, st);
    expect(tf.memory().numTensors).toBe(before);
    let err = 0;
    let cells = 0;
    let sb = 0;
    let sc = 0;
    for (let i = 0; i < n; i++) {
      const f: BernsteinForecast = { a: pb.bernstein!.coefficients, off: i * 13, d: 12, censored: true };
      for (const t of [0.1, 0.25, 0.5, 0.75, 0.9]) {
        err += Math.abs(bernsteinQuantile(f, t) - test.truthQ(test.m[i], t));
        cells++;
      }
      sb += bernsteinCrps(f, test.y[i]);
      sc += crps('censored-logistic', pc.mu[i], pc.sigma[i], test.y[i]);
    }
    // The truth's quantiles span 0 .. ~7; the fitted ones are within 0.12 on average.
    expect(err / cells).toBeLessThan(0.12);
    expect(sb).toBeLessThan(sc);
  }, 120_000);

  test('bad options are typed errors naming the option', () => {
    const base = { family: 'censored-logistic' as const, extras: [] };
    expect(() => new SiteDrn({ ...base, output: 'bernstein', degree: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SiteDrn({ ...base, output: 'bernstein', degree: 0 })).toThrow(
      /degree must be an integer/,
    );
    expect(() => new SiteDrn({ ...base, output: 'bernstein', degree: 2.5 })).toThrow(/degree/);
    expect(() => new SiteDrn({ ...base, output: 'quantiles' as 'bernstein' })).toThrow(/output must be/);
    expect(() => new SiteDrn({ ...base, degre: 8 } as unknown as typeof base)).toThrow(
      /unknown option degre/,
    );
    expect(() => new SiteDrn({ family: 'censored-shifted-gamma', extras: [], output: 'bernstein' })).toThrow(
      /normal or censored-logistic base/,
    );
  });
});

describeRealData('Bernstein quantile network on Innsbruck precipitation (a small slice)', () => {
  test('fit → save → load → predict is bitwise the same; products, evaluation and provenance', async () => {
    const f = await readSiteForecast(
      realSiteFile('gefs-innsbruck-precip/forecast.nc'),
      'precipitation_amount',
    );
    const obs = await readSiteObservations(
      realSiteFile('gefs-innsbruck-precip/observation.nc'),
      'precipitation_amount',
      f.units,
    );
    const iso = (s: string) => Date.parse(s) / 1000;
    const period = { from: iso('2011-01-01'), to: iso('2012-01-01') };
    const before = tf.memory().numTensors;
    const m = fitSiteModel(f, obs, {
      method: 'drn',
      members: 6,
      trainFrom: iso('2008-01-01'),
      trainTo: iso('2011-01-01'),
      drn: { seeds: 2, maxEpochs: 3, output: 'bernstein', degree: 10 },
    });
    expect(m.drn!.output).toBe('bernstein');
    expect(m.drn!.degree).toBe(10);
    const dir = mkdtempSync(path.join(tmpdir(), 'epp-sites-bqn-'));
    try {
      const hash = saveSiteModel(dir, m);
      const back = loadSiteModel(dir);
      expect(back.hash).toBe(hash);
      expect(hash).toBe(
        createHash('sha256')
          .update(readFileSync(path.join(dir, 'model.json')))
          .digest('hex'),
      );
      const a = predictSiteModel(m, f, period);
      const b = predictSiteModel(back.model, f, period);
      expect(Buffer.from(b.quantiles.buffer).equals(Buffer.from(a.quantiles.buffer))).toBe(true);
      expect(Buffer.from(b.probabilities.buffer).equals(Buffer.from(a.probabilities.buffer))).toBe(true);
      expect(Buffer.from(b.mean.buffer).equals(Buffer.from(a.mean.buffer))).toBe(true);
      expect(Buffer.from(b.std.buffer).equals(Buffer.from(a.std.buffer))).toBe(true);
      // Products: percentiles non-decreasing and ≥ 0, probabilities falling with the threshold, in [0, 1].
      const N = a.times.length * a.stations.id.length;
      let predicted = 0;
      for (let k = 0; k < N; k++) {
        if (!Number.isFinite(a.mean[k])) continue;
        predicted++;
        for (let p = 1; p < 99; p++)
          expect(a.quantiles[p * N + k]).toBeGreaterThanOrEqual(a.quantiles[(p - 1) * N + k]);
        expect(a.quantiles[k]).toBeGreaterThanOrEqual(0);
        for (let j = 1; j < a.thresholds.length; j++)
          expect(a.probabilities[j * N + k]).toBeLessThanOrEqual(a.probabilities[(j - 1) * N + k]);
        expect(a.std[k]).toBeGreaterThan(0);
      }
      expect(predicted).toBeGreaterThan(100);
      // The prediction carries the coefficients (the batch verifies with them): its median is Q⁺(0.5) of them.
      expect(a.bernstein).toMatchObject({ degree: 10, censored: true });
      expect(a.bernstein!.coefficients).toHaveLength(N * 11);
      for (let k = 0; k < N; k++) {
        const fk = { a: a.bernstein!.coefficients, off: k * 11, d: 10, censored: true };
        if (Number.isFinite(a.mean[k]))
          expect(bernsteinQuantile(fk, 0.5)).toBeCloseTo(a.quantiles[49 * N + k], 4);
        else expect(Number.isNaN(a.bernstein!.coefficients[k * 11])).toBe(true);
      }
      const e = evaluateSiteModel(back.model, f, obs, period);
      expect(e.crps.model.mean).toBeLessThan(e.crps.rawAll.fair.mean);
      expect(e.pit.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
      // A stored degree that was tampered with is refused, not mispredicted.
      const bad = JSON.parse(JSON.stringify(m)) as typeof m;
      bad.drn!.degree = 0;
      expect(() => predictSiteModel(bad, f, period)).toThrow(ModelError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});
