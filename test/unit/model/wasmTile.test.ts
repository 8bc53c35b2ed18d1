/**
 * libs/model/wasm/tile.ts: Tile on wasm by block copies on the heap; it must give exactly (bitwise) the cpu
 * backend's values for every rank, shape and reps (float32, int32, bool), through tf.broadcastTo and the
 * reduction gradients too, and leave no tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { tileInto } from '../../../libs/model/wasm/tile.js';
import { onBackend, randomArray, randomInt, rng } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function expectSame(a: Float32Array[], b: Float32Array[]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Array.from(x)).toEqual(Array.from(b[i])));
}

describe('wasm Tile by block copies', () => {
  it('the wasm kernel is ours', () => {
    expect(Object.getOwnPropertySymbols(tf.getKernel('Tile', 'wasm').kernelFunc)).toContain(
      Symbol.for('epp.wasmTrainingKernel'),
    );
  });

  it('random shapes and reps of rank 1–5 equal the cpu backend bitwise (float32, int32, bool)', async () => {
    const next = rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const rank = randomInt(next, 1, 5);
      const shape = Array.from({ length: rank }, () => randomInt(next, 1, 5));
      const reps = shape.map(() => randomInt(next, 1, 4));
      const n = shape.reduce((p, q) => p * q, 1);
      const values = randomArray(n, 200 + trial, -50, 50);
      const f = () => [
        tf.tile(tf.tensor(values, shape), reps),
        tf.cast(tf.tile(tf.tensor(values, shape, 'int32'), reps), 'float32'),
        tf.cast(tf.tile(tf.greater(tf.tensor(values, shape), 0), reps), 'float32'),
      ];
      expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
    }
  });

  it('broadcasts of a scalar and of per-point sums onto a training-sized tensor, and a scalar tile', async () => {
    const x = randomArray(2 * 64 * 128, 3);
    const f = () => [
      tf.broadcastTo(tf.reshape(tf.scalar(0.37), [1, 1, 1, 1]), [2, 63, 128, 16]),
      tf.broadcastTo(tf.tensor4d(x, [2, 64, 128, 1]), [2, 64, 128, 16]),
      tf.broadcastTo(tf.tensor3d(x.subarray(0, 128 * 16), [1, 128, 16]), [3, 128, 16]),
      tf.tile(tf.scalar(-2.5), []),
    ];
    expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
  });

  it('the Sum and Mean gradients (which broadcast dy with Tile) equal the cpu backend bitwise', async () => {
    const x = randomArray(2 * 5 * 6 * 4, 8);
    const f = () => {
      const t = tf.tensor4d(x, [2, 5, 6, 4]);
      // w has the shape of the per-point sum, so the product's gradient needs no reduction of its own.
      const w = tf.tensor4d(randomArray(2 * 5 * 6, 9), [2, 5, 6, 1]);
      return tf.grads((p: tf.Tensor) =>
        tf.add(tf.sum(tf.mul(tf.sum(p, 3, true), w)), tf.mean(tf.abs(tf.sub(p, 0.1)))),
      )([t]);
    };
    expectSame(await onBackend('wasm', f), await onBackend('cpu', f));
  });

  it('tileInto repeats blocks (plain arrays)', () => {
    const out = new Float32Array(2 * 6);
    tileInto(Float32Array.from([1, 2, 3]), [1, 3], [2, 2], out);
    expect(Array.from(out)).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    const col = new Float32Array(6);
    tileInto(Float32Array.from([4, 5]), [2, 1], [1, 3], col);
    expect(Array.from(col)).toEqual([4, 4, 4, 5, 5, 5]);
  });

  it('leaves no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const t = tf.tensor3d(randomArray(2 * 3 * 4, 3), [2, 3, 4]);
    tf.tidy(() => [tf.tile(t, [2, 1, 3]), tf.broadcastTo(tf.reshape(t, [2, 3, 4, 1]), [2, 3, 4, 5])]).forEach(
      (r) => r.dispose(),
    );
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
