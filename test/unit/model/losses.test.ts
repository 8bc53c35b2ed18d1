import * as tf from '@tensorflow/tfjs-core';
import {
  gaussianCrpsElementwise,
  gaussianCrpsLoss,
  latitudeWeights,
  mseLoss,
} from '../../../libs/model/losses.js';
import { useCpu } from './helpers.js';

beforeAll(useCpu);

/** Reference Gaussian CRPS in float64 with an independent erf (Abramowitz–Stegun 7.1.26 is too coarse; use series). */
function erf(x: number): number {
  // Maclaurin series, converges fast for |x| < 3; beyond, erf is ±1 to 1e-5.
  if (Math.abs(x) > 4) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
function crpsRef(mu: number, s: number, y: number): number {
  const z = (y - mu) / s;
  const pdf = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  return s * (z * erf(z / Math.SQRT2) + 2 * pdf - 1 / Math.sqrt(Math.PI));
}

test('Gaussian CRPS matches a float64 reference', () => {
  const cases = [
    [0, 1, 0],
    [1, 2, -1],
    [280, 1.5, 283],
    [-3, 0.1, -3.05],
  ];
  const out = tf.tidy(() =>
    gaussianCrpsElementwise(
      tf.tensor1d(cases.map((c) => c[0])),
      tf.tensor1d(cases.map((c) => c[1])),
      tf.tensor1d(cases.map((c) => c[2])),
    ).dataSync(),
  );
  cases.forEach(([m, s, y], i) => expect(out[i]).toBeCloseTo(crpsRef(m, s, y), 4));
  // σ = 1, y = μ: CRPS = (√2 − 1)/√π
  expect(out[0]).toBeCloseTo((Math.SQRT2 - 1) / Math.sqrt(Math.PI), 6);
});

test('custom CRPS gradient equals the finite-difference gradient', () => {
  const mu = [0.3, -1.2, 2.0];
  const s = [0.7, 1.3, 0.4];
  const y = [0.1, 0.5, 2.2];
  const [gm, gs] = tf.tidy(() => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(gaussianCrpsElementwise(a, b, tf.tensor1d(y))));
    return g([tf.tensor1d(mu), tf.tensor1d(s)]).map((t) => Array.from(t.dataSync()));
  });
  const h = 1e-5;
  mu.forEach((m, i) => {
    expect(gm[i]).toBeCloseTo((crpsRef(m + h, s[i], y[i]) - crpsRef(m - h, s[i], y[i])) / (2 * h), 4);
    expect(gs[i]).toBeCloseTo((crpsRef(m, s[i] + h, y[i]) - crpsRef(m, s[i] - h, y[i])) / (2 * h), 4);
  });
});

test('losses are scalars, weighted means use cos(latitude), no tensors leak', () => {
  const before = tf.memory().numTensors;
  const w = latitudeWeights([60, 0, -60], 3, 2);
  expect(tf.tidy(() => tf.mean(w).dataSync()[0])).toBeCloseTo(1, 6);
  const pred = tf.tensor4d([1, 1, 0, 0, 1, 1], [1, 3, 2, 1]);
  const y = tf.zerosLike(pred);
  // error only at ±60° (cos = 0.5) → weighted MSE = (0.5+0.5)·2 / (0.5+1+0.5)·2 = 0.5
  const l = mseLoss(pred, y, w);
  expect(l.shape).toEqual([]);
  expect(l.dataSync()[0]).toBeCloseTo(0.5, 6);
  const ones = tf.onesLike(y);
  const c = gaussianCrpsLoss(y, ones, y);
  expect(c.dataSync()[0]).toBeCloseTo((Math.SQRT2 - 1) / Math.sqrt(Math.PI), 6);
  tf.dispose([w, pred, y, l, c, ones]);
  expect(tf.memory().numTensors).toBe(before);
});

test('bilinear ×2 upsampling equals tf.image.resizeBilinear and has a gradient of the input shape', async () => {
  const { bilinearUpsample2x } = await import('../../../libs/model/upsample.js');
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>([2, 3, 5, 2], 0, 1, 'float32', 7);
    const a = bilinearUpsample2x(x);
    const b = tf.image.resizeBilinear(x, [6, 10]);
    expect(a.shape).toEqual([2, 6, 10, 2]);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(bilinearUpsample2x(v as tf.Tensor4D))))(x);
    expect(g.shape).toEqual(x.shape);
  });
  expect(tf.memory().numTensors).toBe(before);
});
