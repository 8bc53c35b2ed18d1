/**
 * Parallel inference on tensor threads equals single-thread inference: one sample on a tiled grid (its tile
 * windows spread over 2 threads, stitched in the main thread), and a job of several samples (spread over the
 * threads). Every weight random, so no layer is a no-op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import type { GaussianForecast } from '../../../libs/model/mixedModel.js';
import { closeInferencePool, predictOnThreads, usesThreads } from '../../../libs/model/parallel/inference.js';
import { TensorThreadPool } from '../../../libs/model/parallel/pool.js';
import { randomizeWeights, tinyModel } from './helpers.js';

let pool: TensorThreadPool;

beforeAll(async () => {
  await selectBackend('wasm');
  pool = await TensorThreadPool.start({ threads: 2, backend: 'wasm', timeoutMs: 30_000 });
}, 60_000);

afterAll(async () => {
  await pool.close();
  await closeInferencePool();
});

function maxDiff(a: GaussianForecast[], b: GaussianForecast[]): number {
  let d = 0;
  a.forEach((f, s) =>
    f.mu.forEach((m, t) => {
      for (let k = 0; k < m.length; k++)
        d = Math.max(d, Math.abs(m[k] - b[s].mu[t][k]), Math.abs(f.sigma[t][k] - b[s].sigma[t][k]));
    }),
  );
  return d;
}

test('one sample, tiled: windows spread over 2 threads = one untiled pass in this thread', async () => {
  const { model, samples } = tinyModel(90, 100, 1, { bcLevels: 2, uqBlocks: 2 });
  randomizeWeights(model.bc, 5);
  randomizeWeights(model.uq, 6);
  await pool.loadModel(model);
  const before = tf.memory().numTensors;
  const single = await model.predict(samples, { tiles: false });
  pool.windowsRun.length = 0;
  const parallel = await pool.forecast(model, samples, { tiles: { tile: 24 } });
  // 4 × 5 windows, both threads used (least busy first, so the split is near even).
  expect(pool.windowsRun.reduce((a, b) => a + b, 0)).toBe(20);
  expect(Math.min(...pool.windowsRun)).toBeGreaterThanOrEqual(5);
  expect(maxDiff(parallel, single)).toBeLessThan(1e-4); // μ ≈ 280: a few float32 ulps
  const shift = Math.max(...single[0].mu[0].map((v, k) => Math.abs(v - samples[0].targetMean[0][k])));
  expect(shift).toBeGreaterThan(0.1);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}, 120_000);

test('a job of 5 samples: spread over the threads, in order, = single thread', async () => {
  const { model, samples } = tinyModel(13, 24, 5);
  randomizeWeights(model.bc, 7);
  randomizeWeights(model.uq, 8);
  await pool.loadModel(model);
  const single = await model.predict(samples);
  const parallel = await pool.forecast(model, samples);
  expect(parallel).toHaveLength(5);
  expect(maxDiff(parallel, single)).toBeLessThan(1e-4);
  // Not trivially equal: the samples differ from each other.
  expect(maxDiff([parallel[0]], [parallel[1]])).toBeGreaterThan(0.1);
  model.dispose();
}, 120_000);

test('predictOnThreads (the service and postprocess path): the process pool, reloaded for another model, = single thread', async () => {
  const a = tinyModel(13, 24, 3);
  const b = tinyModel(13, 24, 3, { bcFilters: 6 });
  for (const [i, m] of [a, b].entries()) {
    randomizeWeights(m.model.bc, 10 + i);
    randomizeWeights(m.model.uq, 20 + i);
  }
  expect(usesThreads(a.model, 3, 2)).toBe(true);
  expect(usesThreads(a.model, 1, 2)).toBe(false); // one sample on a small grid: this thread
  expect(usesThreads(a.model, 3, 1)).toBe(false);
  for (const m of [a, b, a]) {
    const single = await m.model.predict(m.samples);
    const threaded = await predictOnThreads(m.model, m.samples, { threads: 2 });
    expect(maxDiff(threaded, single)).toBeLessThan(1e-4);
  }
  // The two models differ, so a stale model in the threads would have failed the comparison above.
  expect(maxDiff(await a.model.predict(a.samples), await b.model.predict(a.samples))).toBeGreaterThan(0.1);
  a.model.dispose();
  b.model.dispose();
}, 120_000);
