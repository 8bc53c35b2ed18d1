/**
 * libs/model/wasm/stridedSlice.ts: the strided case of StridedSlice on wasm by row copies on the heap; it must give
 * exactly (bitwise) the cpu backend's values for every rank, begin/end/strides (negative too) and begin/end masks,
 * through MaxPoolGrad's taps too, and leave no tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { stridedCopy } from '../../../libs/model/wasm/stridedSlice.js';
import { onBackend, randomArray, randomInt, rng } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function expectSame(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(b[i])));
}

describe('wasm StridedSlice by row copies', () => {
  it('the wasm kernel is ours', () => {
    expect(Object.getOwnPropertySymbols(tf.getKernel('StridedSlice', 'wasm').kernelFunc)).toContain(
      Symbol.for('epp.wasmTrainingKernel'),
    );
  });

  it('random strided slices of rank 1–5 equal the cpu backend bitwise (float32, int32)', async () => {
    const next = rng(13);
    for (let trial = 0; trial < 80; trial++) {
      const rank = randomInt(next, 1, 5);
      const shape = Array.from({ length: rank }, () => randomInt(next, 1, 7));
      const strides = shape.map(() => {
        const s = randomInt(next, 1, 3);
        return next() < 0.25 ? -s : s;
      });
      const begin = shape.map((n, a) =>
        strides[a] > 0 ? randomInt(next, 0, n - 1) : randomInt(next, 0, n - 1),
      );
      const end = shape.map((n, a) =>
        strides[a] > 0 ? randomInt(next, begin[a] + 1, n) : randomInt(next, -1, begin[a] - 1),
      );
      const beginMask = next() < 0.3 ? randomInt(next, 0, (1 << rank) - 1) : 0;
      const endMask = next() < 0.3 ? randomInt(next, 0, (1 << rank) - 1) : 0;
      const n = shape.reduce((p, q) => p * q, 1);
      const values = randomArray(n, 300 + trial, -50, 50);
      const f = () => [
        tf.stridedSlice(tf.tensor(values, shape), begin, end, strides, beginMask, endMask),
        tf.cast(
          tf.stridedSlice(tf.tensor(values, shape, 'int32'), begin, end, strides, beginMask, endMask),
          'float32',
        ),
      ];
      expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
    }
  });

  it('the pooling taps of a training-sized activation and the MaxPool gradient equal the cpu backend bitwise', async () => {
    const x = randomArray(2 * 64 * 128 * 16, 4);
    const taps = () => [
      tf.stridedSlice(tf.tensor4d(x, [2, 64, 128, 16]), [0, 1, 0, 0], [2, 64, 127, 16], [1, 2, 2, 1]),
      tf.stridedSlice(tf.tensor4d(x, [2, 64, 128, 16]), [0, 0, 1, 0], [2, 63, 128, 16], [1, 2, 2, 1]),
    ];
    expectSame(await onBackend('wasm', taps), await onBackend('cpu', taps));
    const small = randomArray(2 * 8 * 10 * 3, 6);
    const grad = () =>
      tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(p as tf.Tensor4D, 2, 2, 'valid'), 1.5)))([
        tf.tensor4d(small, [2, 8, 10, 3]),
      ]);
    expectSame(await onBackend('wasm', grad), await onBackend('cpu', grad));
  });

  it('masks that need the native kernel (shrink, new axis, ellipsis) still work', async () => {
    const v = randomArray(4 * 5 * 6, 2);
    const f = () => [
      tf.stridedSlice(tf.tensor3d(v, [4, 5, 6]), [1, 0, 0], [3, 5, 6], [1, 2, 2], 0, 0, 0, 0, 1),
      tf.stridedSlice(tf.tensor3d(v, [4, 5, 6]), [0, 0, 0], [4, 5, 6], [2, 1, 3], 0, 0, 0, 2),
    ];
    expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
  });

  it('stridedCopy picks begin + loc · strides (plain arrays)', () => {
    const x = Float32Array.from({ length: 4 * 5 }, (_, i) => i);
    const out = new Float32Array(2 * 2);
    stridedCopy(x, [4, 5], [1, 4], [2, -3], [2, 2], out);
    expect(Array.from(out)).toEqual([9, 6, 19, 16]);
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const t = tf.tensor3d(randomArray(4 * 5 * 6, 3), [4, 5, 6]);
    tf.stridedSlice(t, [0, 1, 0], [4, 5, 6], [2, 2, 3]).dispose();
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
