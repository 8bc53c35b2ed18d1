/**
 * lcn.ts addSmoothnessPart: the LCN smoothness penalty and its gradient computed in JavaScript on ranges of the flat
 * weights (as the tensor threads split it over their gradient chunks) must equal autodiff of smoothnessPenalty()
 * within float32 rounding — including zero differences (tfjs's |d|' = −1 at d = 0) — whatever the split.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { LocallyConnected1x1, addSmoothnessPart } from '../../../libs/model/lcn.js';
import { randomArray, relativeError } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

function layer(h: number, w: number, c: number, t: number, seed: number, ties: boolean) {
  const l = new LocallyConnected1x1({ units: t, smoothness: 1e-3 });
  l.build([null, h, w, c]);
  const values = l.trainableWeights.map((v, k) => {
    const n = tf.util.sizeFromShape(v.shape as number[]);
    const a = randomArray(n, seed + k, -0.01, 0.01);
    // Runs of equal neighbours (zero differences) and an all-zero start as the LCN has after init.
    if (ties) for (let i = 0; i < n; i++) if (i % 7 < 3) a[i] = 0;
    return a;
  });
  l.setWeights(values.map((a, k) => tf.tensor(a, l.trainableWeights[k].shape as number[])));
  return { l, values };
}

describe('LCN smoothness penalty in JavaScript, by ranges', () => {
  for (const [h, w, c, t, ties] of [
    [6, 8, 3, 2, true],
    [5, 7, 4, 1, false],
    [9, 4, 2, 3, true],
  ] as const)
    it(`equals autodiff (value and gradient) on a ${h}×${w} grid, ${c} channels, ${t} targets${ties ? ', with ties' : ''}, split in 1, 2 and 5 ranges`, () => {
      const { l, values } = layer(h, w, c, t, 40 + h, ties);
      const vars = l.trainableWeights.map((v) => v.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => l.smoothnessPenalty(), vars);
      const expected = value.dataSync()[0];
      const expectedGrads = vars.map((v) => grads[v.name].dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(grads)]);
      for (const parts of [1, 2, 5]) {
        let total = 0;
        values.forEach((v, k) => {
          const shape = vars[k].shape;
          const grad = new Float32Array(v.length);
          const chunk = Math.ceil(v.length / parts);
          for (let lo = 0; lo < v.length; lo += chunk)
            total += addSmoothnessPart(
              v,
              shape,
              shape.length === 4 ? 1 : 0,
              1e-3,
              lo,
              Math.min(v.length, lo + chunk),
              grad,
            );
          expect(relativeError(grad, expectedGrads[k])).toBeLessThan(1e-6);
          // The sign pattern is exact (no rounding in ±c sums of this size flips it).
          for (let i = 0; i < grad.length; i++)
            expect(Math.sign(grad[i])).toBe(Math.sign(expectedGrads[k][i]));
        });
        expect(Math.abs(total - expected) / expected).toBeLessThan(1e-5);
      }
      tf.dispose(vars); // the layer was never applied, so it cannot dispose itself
    });

  it('adds to the gradient it is given (the summed data gradient of the chunk)', () => {
    const v = Float32Array.from([0, 1, 1, 3]);
    const g = Float32Array.from([10, 10, 10, 10]);
    // 1×4 array, latitude axis 0 of size 1: only longitude differences 1, 0, 2; λ = 3 → c = 3 / 3 = 1.
    const p = addSmoothnessPart(v, [1, 4], 0, 3, 0, 4, g);
    expect(p).toBeCloseTo(3, 6);
    expect(Array.from(g)).toEqual([9, 10 + 1 + 1, 10 - 1 - 1, 11]);
  });
});
