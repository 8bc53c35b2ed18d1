import { bfgs } from '../../../libs/emos/bfgs.js';
import { EstimateEmos } from '../../../libs/emos/estimate.js';
import { centring, emosObjective, fromCoefficients, toCoefficients } from '../../../libs/emos/objective.js';
import { synthetic } from './synthetic.js';

describe('bfgs', () => {
  test('minimises the Rosenbrock function to its optimum (1, 1)', () => {
    const r = bfgs(
      (x, g) => {
        g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2);
        g[1] = 200 * (x[1] - x[0] ** 2);
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
      },
      Float64Array.from([-1.2, 1]),
      { gradTol: 1e-10, fTol: 0, maxIterations: 500 },
    );
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
  });
});

describe('EMOS objective', () => {
  test.each(['norm', 'truncnorm'] as const)('%s: analytic gradient equals central differences', (dist) => {
    const s = {
      predictors: Float64Array.from([3.1, 4.2, 2.5, 6.0, 5.1]),
      k: 1,
      variance: Float64Array.from([0.4, 1.1, 0.2, 2.0, 0.7]),
      truth: Float64Array.from([3.5, 3.9, 2.2, 7.1, 4.4]),
      n: 5,
    };
    const c = centring(s, 'mean');
    const f = emosObjective(s, c, dist, 'mean');
    const theta = Float64Array.from([4.3, 1.1, 0.3, 0.9]);
    const g = new Float64Array(4);
    f(theta, g);
    const h = 1e-6;
    for (let i = 0; i < 4; i++) {
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[i] += h;
      tm[i] -= h;
      const fd = (f(tp, new Float64Array(4)) - f(tm, new Float64Array(4))) / (2 * h);
      expect(Math.abs(g[i] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
    const back = fromCoefficients(toCoefficients(theta, c, 'mean'), c, 'mean');
    back.forEach((v, i) => expect(v).toBeCloseTo(theta[i], 10));
  });
});

describe('EstimateEmos on data drawn from the EMOS model', () => {
  const truth: [number, number, number, number] = [5, 0.98, 0.4, 1.3];
  const { forecasts, truths } = synthetic(truth, { days: 3, n: 1500, m: 6, seed: 7 });

  test('global normal fit recovers α + β·280, β, |γ|, δ', () => {
    const c = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);
    expect(c.converged).toBe(true);
    expect(c.samples).toBe(4500);
    expect(Math.abs(c.alpha[0] + c.beta[0] * 280 - (truth[0] + truth[1] * 280))).toBeLessThan(0.05);
    expect(Math.abs(c.beta[0] - truth[1])).toBeLessThan(0.02);
    expect(Math.abs(Math.abs(c.gamma[0]) - truth[2])).toBeLessThan(0.1);
    expect(Math.abs(c.delta[0] - truth[3])).toBeLessThan(0.06);
  });

  test('deterministic: the same input gives bit-identical coefficients', () => {
    const a = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);
    const b = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);
    expect([a.alpha[0], a.beta[0], a.gamma[0], a.delta[0]]).toEqual([
      b.alpha[0],
      b.beta[0],
      b.gamma[0],
      b.delta[0],
    ]);
  });

  test('realizations predictor and land mask', () => {
    const mask = new Float32Array(1500).map((_, i) => (i < 750 ? 1 : 0));
    const c = new EstimateEmos({ distribution: 'norm', predictor: 'realizations', landMask: mask }).process(
      forecasts,
      truths,
    );
    expect(c.samples).toBe(2250);
    expect(c.beta.length).toBe(6);
    const sumBeta = Array.from(c.beta).reduce((a, b) => a + b * b, 0);
    expect(Math.abs(sumBeta - truth[1])).toBeLessThan(0.03);
  });

  test('point-by-point fit gives one coefficient set per point, NaN at sea points', () => {
    const small = synthetic(truth, { days: 6, n: 40, m: 8, seed: 3 });
    const mask = new Float32Array(40).fill(1);
    mask[5] = 0;
    const c = new EstimateEmos({ distribution: 'norm', pointByPoint: true, landMask: mask }).process(
      small.forecasts,
      small.truths,
    );
    expect(c.alpha.length).toBe(40);
    expect(c.alpha[5]).toBeNaN();
    expect(Number.isFinite(c.alpha[6])).toBe(true);
    expect(c.crps).toBeGreaterThan(0);
  });

  test('truncated normal on positive data', () => {
    const pos = synthetic([0.2, 1.05, 0.3, 1.1], { days: 3, n: 1000, m: 6, seed: 11, positive: true });
    const c = new EstimateEmos({ distribution: 'truncnorm' }).process(pos.forecasts, pos.truths);
    expect(c.converged).toBe(true);
    expect(Math.abs(c.beta[0] - 1.05)).toBeLessThan(0.05);
    expect(Math.abs(c.delta[0] - 1.1)).toBeLessThan(0.1);
  });
});

describe('EstimateEmos bad input', () => {
  const { forecasts, truths } = synthetic([0, 1, 0.5, 1], { days: 2, n: 50, m: 4, seed: 1 });
  test('options are validated in the constructor', () => {
    expect(() => new EstimateEmos({ distribution: 'gamma' as never })).toThrow(/distribution must be/);
    expect(() => new EstimateEmos({ distribution: 'norm', predictor: 'median' as never })).toThrow(
      /predictor/,
    );
    expect(() => new EstimateEmos({ distribution: 'norm', maxIterations: 0 })).toThrow(/maxIterations/);
  });
  test('no truth for a forecast names the forecast', () => {
    expect(() => new EstimateEmos({ distribution: 'norm' }).process(forecasts, [truths[0]])).toThrow(
      /no truth matches forecast fc-day1\.nc/,
    );
  });
  test('zero ensemble variance everywhere', () => {
    const flat = forecasts.map((f) => ({ ...f, data: new Float32Array(f.data.length).fill(280) }));
    expect(() => new EstimateEmos({ distribution: 'norm' }).process(flat, truths)).toThrow(
      /variance is zero/,
    );
  });
  test('land mask of the wrong size', () => {
    expect(() =>
      new EstimateEmos({ distribution: 'norm', landMask: new Float32Array(3) }).process(forecasts, truths),
    ).toThrow(/land mask has 3 points/);
  });
});
