import { ApplyEmos } from '../../../libs/emos/apply.js';
import { EstimateEmos } from '../../../libs/emos/estimate.js';
import type { EmosCoefficients } from '../../../libs/emos/types.js';
import { normCdf, normPpf } from '../../../libs/ensemble/normal.js';
import { memberMean, memberVariance } from '../../../libs/ensemble/stats.js';
import { synthetic } from './synthetic.js';

const { forecasts, truths } = synthetic([1, 0.99, 0.3, 1.2], { days: 2, n: 200, m: 6, seed: 5 });
const coeffs: EmosCoefficients = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);

describe('ApplyEmos', () => {
  const f = forecasts[1];
  const cal = new ApplyEmos({ percentiles: [10, 50, 90], thresholds: [280], realizations: true }).process(
    f,
    coeffs,
  );
  const mean = memberMean(f);
  const v = memberVariance(f, 1);

  test('location/scale follow μ = α + β·mean, σ² = γ² + δ²·var', () => {
    for (const p of [0, 17, 199]) {
      expect(cal.location[p]).toBeCloseTo(coeffs.alpha[0] + coeffs.beta[0] * mean[p], 3);
      expect(cal.scale[p]).toBeCloseTo(Math.sqrt(coeffs.gamma[0] ** 2 + coeffs.delta[0] ** 2 * v[p]), 5);
    }
  });
  test('percentiles, probabilities', () => {
    const p = 42;
    const mu = cal.location[p];
    const s = cal.scale[p];
    expect(cal.percentiles!.data[0 * 200 + p]).toBeCloseTo(mu + s * normPpf(0.1), 3);
    expect(cal.percentiles!.data[1 * 200 + p]).toBeCloseTo(mu, 3);
    expect(cal.probabilities!.data[p]).toBeCloseTo(1 - normCdf((280 - mu) / s), 5);
  });
  test('ECC members keep the raw members’ ranks and take the i/(m+1) quantiles', () => {
    const n = 200;
    for (const p of [3, 77]) {
      const raw = Array.from({ length: 6 }, (_, i) => f.data[i * n + p]);
      const out = Array.from({ length: 6 }, (_, i) => cal.realizations!.data[i * n + p]);
      const order = (xs: number[]) => xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b] || a - b);
      expect(order(out)).toEqual(order(raw));
      const sorted = [...out].sort((a, b) => a - b);
      sorted.forEach((q, i) =>
        expect(q).toBeCloseTo(cal.location[p] + cal.scale[p] * normPpf((i + 1) / 7), 3),
      );
    }
  });
  test('truncated normal moments are those of the truncated distribution', () => {
    const tn = new ApplyEmos({ percentiles: [50] }).process(f, {
      ...coeffs,
      distribution: 'truncnorm',
      alpha: Float32Array.from([-279]),
      beta: Float32Array.from([1]),
    });
    // μ = mean − 279 (≈ 1 K), σ ≈ 1: a strongly truncated distribution; check by numerical integration.
    const p = 9;
    const mu = tn.location[p];
    const s = tn.scale[p];
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    for (let x = 0; x < mu + 12 * s; x += 1e-4 * s) {
      const d = Math.exp(-0.5 * ((x - mu) / s) ** 2);
      m0 += d;
      m1 += d * x;
      m2 += d * x * x;
    }
    const em = m1 / m0;
    expect(tn.mean[p]).toBeCloseTo(em, 3);
    expect(tn.std[p]).toBeCloseTo(Math.sqrt(m2 / m0 - em * em), 3);
    expect(tn.percentiles!.data[p]).toBeGreaterThan(0);
  });
  test('bad input', () => {
    expect(() => new ApplyEmos({ percentiles: [0] })).toThrow(/strictly between 0 and 100/);
    expect(() => new ApplyEmos().process({ ...f, variable: 'wind_speed' }, coeffs)).toThrow(
      /holds wind_speed, the coefficients calibrate air_temperature/,
    );
    const flat = { ...f, data: new Float32Array(f.data.length).fill(280) };
    expect(() => new ApplyEmos().process(flat, { ...coeffs, gamma: Float32Array.from([0]) })).toThrow(
      /not positive/,
    );
  });
});
