/**
 * MixedModel.create with a seed: the initial weights are a function of the seed (tfjs's initialisers draw from
 * Math.random, seeded while the networks are built), Math.random is the caller's again afterwards, and a tensor
 * thread pool of 1 or 2 threads starts from exactly those weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { resolveModelConfig } from '../../../libs/model/config.js';
import { MixedModel } from '../../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../../libs/model/normalization.js';
import { TensorThreadPool } from '../../../libs/model/parallel/pool.js';
import { mulberry32, withSeededRandom } from '../../../libs/model/seededRandom.js';
import { TINY, grid, randomSamples } from './helpers.js';

const cfg = resolveModelConfig(TINY);
const fit = new NormalizationFitter(true);
randomSamples(cfg, 3, 7, 12).forEach((s) => fit.add(s));
const stats = fit.finish();

const weightsOf = (m: MixedModel) =>
  [...m.bc.getWeights(), ...m.uq.getWeights()].map((w) => w.dataSync() as Float32Array);
/** Indices of the weight arrays that differ in any bit. */
const differing = (a: Float32Array[], b: Float32Array[]) =>
  a.flatMap((w, i) => (w.length === b[i].length && w.every((v, k) => Object.is(v, b[i][k])) ? [] : [i]));

beforeAll(() => selectBackend('wasm'));

test("the same seed gives bit-identical initial weights, another seed different ones, and Math.random is the caller's again afterwards", () => {
  const real = Math.random;
  const [a, b, c] = [7, 7, 8].map((seed) => MixedModel.create(cfg, stats, grid(7, 12), { seed }));
  expect(Math.random).toBe(real);
  const [wa, wb, wc] = [a, b, c].map(weightsOf);
  expect(wa.length).toBeGreaterThan(10);
  expect(differing(wa, wb)).toEqual([]);
  // Every randomly initialised kernel differs between seeds 7 and 8 (biases, γ, β and the LCN start constant).
  const kernels = [...a.bc.weights, ...a.uq.weights].flatMap((w, i) =>
    /kernel/.test(w.originalName) && wa[i].some((v) => v !== wa[i][0]) ? [i] : [],
  );
  expect(kernels.length).toBeGreaterThan(3);
  expect(differing(wa, wc)).toEqual(expect.arrayContaining(kernels));
  [a, b, c].forEach((m) => m.dispose());
});

test('withSeededRandom restores Math.random when the function throws, and refuses an async function', () => {
  const real = Math.random;
  expect(() =>
    withSeededRandom(1, () => {
      throw new Error('boom');
    }),
  ).toThrow('boom');
  expect(Math.random).toBe(real);
  expect(() => withSeededRandom(1, () => Promise.resolve(1))).toThrow(/synchronous/);
  expect(Math.random).toBe(real);
  expect(() => withSeededRandom(1.5, () => 1)).toThrow(/integer/);
  // The same seed draws the same numbers; mulberry32 stays in [0, 1).
  expect(withSeededRandom(3, () => [Math.random(), Math.random()])).toEqual(
    withSeededRandom(3, () => [Math.random(), Math.random()]),
  );
  const r = mulberry32(0);
  for (let i = 0; i < 1000; i++) expect(r()).toBeGreaterThanOrEqual(0);
});

test.each([1, 2])(
  'a pool of %i tensor thread(s) starts from the seeded weights, bit for bit',
  async (threads) => {
    const before = tf.memory().numTensors;
    const model = MixedModel.create(cfg, stats, grid(7, 12), { seed: 11 });
    const again = MixedModel.create(cfg, stats, grid(7, 12), { seed: 11 });
    const pool = await TensorThreadPool.start({ threads, backend: 'wasm', timeoutMs: 30_000 });
    try {
      await pool.loadModel(model);
      const ref = weightsOf(again);
      for (const w of await pool.threadWeights()) expect(differing(w, ref)).toEqual([]);
    } finally {
      await pool.close();
      model.dispose();
      again.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  },
  60_000,
);
