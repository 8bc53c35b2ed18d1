/**
 * libs/model/parallel/flatAdam.ts: Adam on a flat vector in JavaScript, a chunk at a time, must compute exactly
 * (bitwise) what tfjs's AdamOptimizer computes on the wasm backend (and the cpu one), over many steps with the
 * learning rate changed between them, whatever the chunking.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { FlatAdam } from '../../../libs/model/parallel/flatAdam.js';
import { ScheduledAdam } from '../../../libs/model/stageLoss.js';
import { randomArray } from '../backend/helpers.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

/** Weights after `steps` Adam updates with tfjs, and with FlatAdam in `chunks` pieces. */
async function both(backend: string, shapes: number[][], steps: number, chunks: number) {
  await tf.setBackend(backend);
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const length = sizes.reduce((a, b) => a + b, 0);
  const init = randomArray(length, 1, -0.5, 0.5);
  // Gradients of very different scales (incl. exact zeros and tiny values), as a network's are.
  const grads = Array.from({ length: steps }, (_, s) => {
    const g = randomArray(length, 10 + s);
    for (let i = 0; i < length; i++) g[i] *= 10 ** -(i % 9) * (i % 13 === 0 ? 0 : 1);
    return g;
  });
  const lr = (s: number) => 2e-3 * 0.7 ** Math.floor(s / 3);
  // tfjs.
  let o = 0;
  const vars = shapes.map((shape, k) => {
    const v = tf.variable(tf.tensor(init.subarray(o, o + sizes[k]), shape));
    o += sizes[k];
    return v;
  });
  // StageTrainer's optimizer: tf.AdamOptimizer(lr, 0.9, 0.999) whose step size can change.
  const adam = new ScheduledAdam(lr(0));
  for (let s = 0; s < steps; s++) {
    adam.setLearningRate(lr(s));
    let p = 0;
    adam.applyGradients(
      vars.map((v, k) => {
        const t = { name: v.name, tensor: tf.tensor(grads[s].subarray(p, p + sizes[k]), v.shape) };
        p += sizes[k];
        return t;
      }),
    );
  }
  const expected = new Float32Array(length);
  o = 0;
  vars.forEach((v, k) => {
    expected.set(v.dataSync(), o);
    o += sizes[k];
  });
  adam.dispose();
  tf.dispose(vars);
  // FlatAdam, chunk by chunk (as the threads of a ShardGroup).
  const flat = new FlatAdam(length, lr(0), tf.backend().epsilon());
  const w = init.slice();
  const chunk = Math.ceil(length / chunks);
  for (let s = 0; s < steps; s++) {
    flat.setLearningRate(lr(s));
    const out = grads[s].slice();
    for (let lo = 0; lo < length; lo += chunk) flat.update(lo, Math.min(length, lo + chunk), w, out, out);
    flat.finish();
    expect(Array.from(out)).toEqual(Array.from(w));
  }
  return { expected, actual: w };
}

describe('FlatAdam', () => {
  for (const backend of ['wasm', 'cpu'])
    it(`equals tfjs's AdamOptimizer bitwise on ${backend} (12 steps, lr changed, 1 or 3 chunks)`, async () => {
      for (const chunks of [1, 3]) {
        const { expected, actual } = await both(backend, [[3, 3, 4, 5], [5], [2, 7, 3]], 12, chunks);
        const differ = actual.reduce((n, v, i) => n + (Object.is(v, expected[i]) ? 0 : 1), 0);
        expect(differ).toBe(0);
      }
    });

  it('leaves the weights alone outside the range it is given', () => {
    const flat = new FlatAdam(6, 1e-3, 1e-7);
    const w = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const g = Float32Array.from([1, 1, 1, 1, 1, 1]);
    flat.update(2, 4, w, g, g);
    expect(Array.from(w.subarray(0, 2))).toEqual([1, 2]);
    expect(Array.from(w.subarray(4))).toEqual([5, 6]);
    expect(w[2]).toBeLessThan(3);
  });
});
