import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { embeddingLookup } from '../../../libs/sites/drn.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

test('the embedding lookup equals tf.gather in value and gradient (repeated stations accumulate) and leaks no tensor', () => {
  const before = tf.memory().numTensors;
  const table = tf.tensor2d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8, -0.9, 1.0, 1.1, -1.2], [4, 3]);
  const st = tf.tensor1d([2, 0, 2, 3, 2], 'int32');
  const weights = tf.tensor2d([1, 2, 3, -1, 0.5, 2, 0, 1, -3, 4, 1, 1, 2, -2, 0.25], [5, 3]);
  const loss = (lookup: (t: tf.Tensor2D) => tf.Tensor2D) => (t: tf.Tensor) =>
    tf.sum(tf.mul(tf.square(lookup(t as tf.Tensor2D)), weights));
  const ours = tf.valueAndGrad(loss((t) => embeddingLookup(t, st)))(table);
  const ref = tf.valueAndGrad(loss((t) => tf.gather(t, st)))(table);
  expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0], 6);
  const g = Array.from(ours.grad.dataSync());
  const gr = Array.from(ref.grad.dataSync());
  g.forEach((v, i) => expect(v).toBeCloseTo(gr[i], 6));
  // Station 1 is never looked up: zero gradient; station 2 (three times) accumulates.
  expect(g.slice(3, 6)).toEqual([0, 0, 0]);
  expect(Math.abs(g[6]) + Math.abs(g[7]) + Math.abs(g[8])).toBeGreaterThan(0);
  tf.dispose([table, st, weights, ours.value, ours.grad, ref.value, ref.grad]);
  expect(tf.memory().numTensors).toBe(before);
});
