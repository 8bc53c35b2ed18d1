/**
 * libs/model/wasm/slice.ts: Slice, SplitV and Unpack on wasm read the heap in place instead of copying the whole
 * input; they must give exactly (bitwise) the cpu backend's values, for every rank and box, and leave no tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { copyBox } from '../../../libs/model/wasm/slice.js';
import { onBackend, randomArray, randomInt, rng } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function expectSame(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(b[i])));
}

describe('wasm Slice / SplitV / Unpack without the full-input copy', () => {
  it('the wasm kernels are ours', () => {
    for (const k of ['Slice', 'SplitV', 'Unpack'])
      expect(Object.getOwnPropertySymbols(tf.getKernel(k, 'wasm').kernelFunc)).toContain(
        Symbol.for('epp.wasmTrainingKernel'),
      );
  });

  it('random boxes of rank 1–5 equal the cpu backend bitwise', async () => {
    const next = rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const rank = randomInt(next, 1, 5);
      const shape = Array.from({ length: rank }, () => randomInt(next, 1, 7));
      const begin = shape.map((n) => randomInt(next, 0, n - 1));
      // Some axes whole (the merged-run path), some partial, some -1 ("to the end").
      const size = shape.map((n, a) => {
        const r = next();
        if (r < 0.3) return -1;
        if (r < 0.5 && begin[a] === 0) return n;
        return randomInt(next, 1, n - begin[a]);
      });
      const values = randomArray(
        shape.reduce((p, q) => p * q, 1),
        100 + trial,
      );
      const f = () => [tf.slice(tf.tensor(values, shape), begin, size)];
      expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
    }
  });

  it('long runs (set) and short runs (element loop) on a padded-grid crop and a column window', async () => {
    const x = randomArray(2 * 64 * 128 * 3, 5);
    const crop = () => [tf.slice(tf.tensor4d(x, [2, 64, 128, 3]), [0, 1, 4, 0], [2, 61, 120, 3])];
    expectSame(await onBackend('wasm', crop), await onBackend('cpu', crop));
    const cols = () => [tf.slice(tf.tensor2d(x, [6, x.length / 6]), [0, 131], [6, 4000])];
    expectSame(await onBackend('wasm', cols), await onBackend('cpu', cols));
    const thin = () => [tf.slice(tf.tensor4d(x, [2, 64, 128, 3]), [0, 0, 0, 1], [2, 64, 128, 1])];
    expectSame(await onBackend('wasm', thin), await onBackend('cpu', thin));
  });

  it('split (SplitV) and unstack (Unpack) along every axis equal the cpu backend bitwise', async () => {
    const x = randomArray(3 * 4 * 5 * 6, 9);
    for (let axis = 0; axis < 4; axis++) {
      const shape = [3, 4, 5, 6];
      const n = shape[axis];
      const sizes = n === 3 ? [1, 2] : [1, n - 3, 2];
      const split = () => tf.split(tf.tensor4d(x, [3, 4, 5, 6]), sizes, axis);
      expectSame(await onBackend('wasm', split), await onBackend('cpu', split));
      const unstack = () => tf.unstack(tf.tensor4d(x, [3, 4, 5, 6]), axis);
      expectSame(await onBackend('wasm', unstack), await onBackend('cpu', unstack));
    }
    // The gradient of concat runs SplitV.
    const grad = () => {
      const a = tf.tensor4d(x.subarray(0, 60), [1, 4, 5, 3]);
      const b = tf.tensor4d(x.subarray(60, 120), [1, 4, 5, 3]);
      const r = tf.tensor4d(x.subarray(0, 120), [1, 4, 5, 6]);
      return tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 3), r)))([a, b]);
    };
    expectSame(await onBackend('wasm', grad), await onBackend('cpu', grad));
  });

  it('copyBox copies exactly the box (plain arrays)', () => {
    const x = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
    const out = new Float32Array(2 * 2 * 2);
    copyBox(x, [2, 3, 4], [0, 1, 2], [2, 2, 2], out);
    expect(Array.from(out)).toEqual([6, 7, 10, 11, 18, 19, 22, 23]);
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const t = tf.tensor4d(randomArray(2 * 3 * 4 * 5, 3), [2, 3, 4, 5]);
    tf.dispose([tf.slice(t, [0, 1, 1, 0], [2, 2, 3, 5]), ...tf.split(t, [1, 2], 1), ...tf.unstack(t, 2)]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
