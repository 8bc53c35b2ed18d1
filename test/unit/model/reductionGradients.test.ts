/**
 * libs/model/wasm/reductionGradients.ts: the Sum and Mean gradients broadcast dy on the backend instead of
 * multiplying it by a ones tensor made in JavaScript; they must give exactly (bitwise) tfjs-core's formula,
 * dy reshaped · ones(x.shape) (/ the reduced size for Mean), for every axis set, on wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Mean, Sum } from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { meanGrad, sumGrad } from '../../../libs/model/wasm/reductionGradients.js';
import { onBackend, randomArray } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** tfjs-core 4.22's Sum/Mean gradient (gradients/Sum_grad.js, Mean_grad.js), written out. */
function reference(x: tf.Tensor, dy: tf.Tensor, axes: number[], mean: boolean): tf.Tensor {
  const kept = x.shape.slice();
  for (const a of axes) kept[a] = 1;
  const d = tf.mul(tf.reshape(dy, kept), tf.ones(x.shape, 'float32'));
  return mean
    ? tf.div(
        d,
        axes.reduce((n, a) => n * x.shape[a], 1),
      )
    : d;
}

describe('Sum and Mean gradients without the JavaScript ones tensor', () => {
  it('are the registered ones once the wasm backend is selected', () => {
    expect(tf.getGradient(Sum)).toBe(sumGrad);
    expect(tf.getGradient(Mean)).toBe(meanGrad);
  });

  it.each([[[0]], [[3]], [[1, 2]], [[0, 1, 2]], [[0, 1, 2, 3]], [[-1]]])(
    'equal tfjs-core’s formula bitwise (axes %j, wasm and cpu)',
    async (axes) => {
      const shape = [2, 5, 7, 3];
      const xv = randomArray(2 * 5 * 7 * 3, 11, -3, 3);
      for (const backend of ['wasm', 'cpu']) {
        for (const mean of [false, true]) {
          const f = () => {
            const x = tf.tensor4d(xv, shape as [number, number, number, number]);
            const w = tf.tensor4d(randomArray(xv.length, 12), shape as [number, number, number, number]);
            // y = Σ (reduce(x ⊙ w))²: dy of the reduction is not constant, so the broadcast is checked.
            const g = tf.grad((t: tf.Tensor) => {
              const r = mean ? tf.mean(tf.mul(t, w), axes) : tf.sum(tf.mul(t, w), axes);
              return tf.sum(tf.square(r));
            })(x);
            const r = mean ? tf.mean(tf.mul(x, w), axes) : tf.sum(tf.mul(x, w), axes);
            const dy = tf.mul(r, 2);
            const norm = axes.map((a) => (a < 0 ? a + 4 : a));
            return [g, tf.mul(reference(x, dy, norm, mean), w)];
          };
          const [got, want] = await onBackend(backend, f);
          expect(Array.from(got)).toEqual(Array.from(want));
        }
      }
    },
  );

  it('leave no tensor behind', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor2d(randomArray(12, 3), [3, 4]);
    tf.dispose([tf.grad((t: tf.Tensor) => tf.sum(t, 1))(x), tf.grad((t: tf.Tensor) => tf.mean(t))(x)]);
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
