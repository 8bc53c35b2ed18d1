/**
 * Gradients on wasm (with the kernels of libs/model/wasm) against the cpu backend, on random shapes.
 * Tolerance: norm-wise relative error ‖wasm − cpu‖∞ / ‖cpu‖∞ ≤ 1e-4.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { onBackend, randomArray, randomInt, relativeError, rng } from './helpers.js';

const TOL = 1e-4;

beforeAll(async () => {
  await selectBackend('wasm');
});

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  shape: [number, number, number, number];
  k: [number, number];
  co: number;
  stride: number;
  pad: Pad;
}

/** dx and dW of sum(conv2d(x, w) · r) for a fixed random r (so every output element matters differently). */
function convGrads(c: ConvCase, seed: number): () => tf.Tensor[] {
  const [b, h, w, ci] = c.shape;
  return () => {
    const x = tf.tensor4d(randomArray(b * h * w * ci, seed), c.shape);
    const filter = tf.tensor4d(randomArray(c.k[0] * c.k[1] * ci * c.co, seed + 1), [
      c.k[0],
      c.k[1],
      ci,
      c.co,
    ]);
    const y = tf.conv2d(x, filter, c.stride, c.pad);
    const r = tf.tensor(randomArray(y.size, seed + 2), y.shape);
    return tf.grads((a: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad), r)),
    )([x, filter]);
  };
}

async function compare(f: () => tf.Tensor[]): Promise<number[]> {
  const cpu = await onBackend('cpu', f);
  const wasm = await onBackend('wasm', f);
  return cpu.map((ref, i) => relativeError(wasm[i], ref));
}

describe('conv2d gradients on wasm match cpu', () => {
  it.each([1, 3, 5, 7])('k = %i: k×k kernel, same padding, stride 1, random shapes', async (k) => {
    const next = rng(100 + k);
    for (let trial = 0; trial < 3; trial++) {
      const c: ConvCase = {
        shape: [randomInt(next, 1, 3), randomInt(next, k, 13), randomInt(next, k, 13), randomInt(next, 1, 6)],
        k: [k, k],
        co: randomInt(next, 1, 6),
        stride: 1,
        pad: 'same',
      };
      const errs = await compare(convGrads(c, 1000 * k + trial));
      expect({ c, errs }).toEqual({ c, errs: [expect.any(Number), expect.any(Number)] });
      for (const e of errs) expect(e).toBeLessThanOrEqual(TOL);
    }
  });

  it.each<[string, ConvCase]>([
    ['valid, stride 1', { shape: [2, 9, 11, 3], k: [3, 3], co: 4, stride: 1, pad: 'valid' }],
    ['valid, stride 2', { shape: [2, 9, 12, 3], k: [3, 3], co: 5, stride: 2, pad: 'valid' }],
    ['same, stride 2', { shape: [1, 10, 7, 4], k: [5, 5], co: 3, stride: 2, pad: 'same' }],
    ['same, even 2×4 kernel', { shape: [2, 8, 9, 3], k: [2, 4], co: 3, stride: 1, pad: 'same' }],
    [
      'explicit asymmetric padding',
      {
        shape: [1, 7, 8, 2],
        k: [3, 3],
        co: 3,
        stride: 1,
        pad: [
          [0, 0],
          [1, 2],
          [2, 0],
          [0, 0],
        ],
      },
    ],
  ])('%s', async (_name, c) => {
    const errs = await compare(convGrads(c, 7));
    for (const e of errs) expect(e).toBeLessThanOrEqual(TOL);
  });

  it('fused conv2d + bias + relu (the layers path)', async () => {
    const f = () => {
      const x = tf.tensor4d(randomArray(2 * 8 * 8 * 3, 11), [2, 8, 8, 3]);
      const w = tf.tensor4d(randomArray(3 * 3 * 3 * 4, 12), [3, 3, 3, 4]);
      const bias = tf.tensor1d(randomArray(4, 13));
      return tf.grads((a: tf.Tensor, k: tf.Tensor, c: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.fused.conv2d({
              x: a as tf.Tensor4D,
              filter: k as tf.Tensor4D,
              bias: c,
              strides: 1,
              pad: 'same',
              activation: 'relu',
            }),
          ),
        ),
      )([x, w, bias]);
    };
    for (const e of await compare(f)) expect(e).toBeLessThanOrEqual(TOL);
  });
});

describe('other training ops on wasm match cpu', () => {
  const x = () => tf.tensor4d(randomArray(2 * 8 * 8 * 3, 21), [2, 8, 8, 3]);

  it.each<[string, (a: tf.Tensor4D) => tf.Tensor]>([
    ['maxPool 2×2', (a) => tf.maxPool(a, 2, 2, 'valid')],
    ['maxPool 3×3 stride 2 same (overlapping windows)', (a) => tf.maxPool(a, 3, 2, 'same')],
    ['resizeBilinear ×2 (square)', (a) => tf.image.resizeBilinear(a, [16, 16])],
    ['concat', (a) => tf.concat([a, tf.mul(a, 2)], 3)],
    ['softplus', (a) => tf.softplus(a)],
    ['erf', (a) => tf.erf(a)],
    ['relu', (a) => tf.relu(a)],
    ['sqrt, abs', (a) => tf.sqrt(tf.add(tf.abs(a), 0.5))],
    [
      'exp, log, div, sub',
      (a) => tf.sub(tf.div(tf.exp(a), tf.add(tf.square(a), 1)), tf.log(tf.add(tf.square(a), 1))),
    ],
    ['mean over axes', (a) => tf.mean(tf.square(a), [1, 2])],
    [
      'batch normalisation with batch moments',
      (a) => {
        const m = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(
          a,
          m.mean,
          m.variance,
          tf.tensor1d([0.1, -0.2, 0.3]),
          tf.tensor1d([1.5, 0.5, 1]),
          1e-3,
        );
      },
    ],
  ])('%s', async (_name, op) => {
    const f = () => {
      const input = x();
      const y = op(input);
      const r = tf.tensor(randomArray(y.size, 22), y.shape);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D), r)))(input)];
    };
    const [err] = await compare(f);
    expect(err).toBeLessThanOrEqual(TOL);
  });

  it('resizeBilinear ×2 on a non-square grid: wasm gradient equals the gradient of the slice formulation', async () => {
    // cpu 4.22's ResizeBilinearGrad swaps height and width on non-square inputs, so compare with the exact
    // formulation out[2k] = x[k], out[2k+1] = (x[k] + x[k+1]) / 2 (edge repeated), on wasm itself.
    const up = (a: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
      const n = a.shape[axis];
      const begin = [0, 0, 0, 0];
      const size = [-1, -1, -1, -1];
      begin[axis] = 1;
      size[axis] = n - 1;
      const last = [0, 0, 0, 0];
      last[axis] = n - 1;
      const one = [-1, -1, -1, -1];
      one[axis] = 1;
      const next = tf.concat([tf.slice(a, begin, size), tf.slice(a, last, one)], axis);
      const shape = [...a.shape] as [number, number, number, number];
      shape[axis] = 2 * n;
      return tf.reshape(tf.stack([a, tf.mul(tf.add(a, next), 0.5)], axis + 1), shape);
    };
    const grads = (op: (a: tf.Tensor4D) => tf.Tensor) => () => {
      const input = tf.tensor4d(randomArray(2 * 5 * 9 * 3, 31), [2, 5, 9, 3]);
      const r = tf.tensor4d(randomArray(2 * 10 * 18 * 3, 32), [2, 10, 18, 3]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op(a as tf.Tensor4D), r)))(input)];
    };
    const [viaResize] = await onBackend(
      'wasm',
      grads((a) => tf.image.resizeBilinear(a, [10, 18])),
    );
    const [viaSlices] = await onBackend(
      'wasm',
      grads((a) => up(up(a, 1), 2)),
    );
    expect(relativeError(viaResize, viaSlices)).toBeLessThanOrEqual(TOL);
  });
});

describe('maxPool 2×2 gradient against a brute-force loop', () => {
  /** dx[first argmax of each window] += dy (row-major first maximum, as TensorFlow). */
  function reference(x: Float32Array, dy: Float32Array, [b, h, w, c]: number[]): Float32Array {
    const dx = new Float32Array(x.length);
    const oh = Math.floor(h / 2);
    const ow = Math.floor(w / 2);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let k = 0; k < c; k++) {
            let best = -Infinity;
            let at = -1;
            for (let di = 0; di < 2; di++)
              for (let dj = 0; dj < 2; dj++) {
                const idx = ((n * h + 2 * i + di) * w + 2 * j + dj) * c + k;
                if (x[idx] > best) [best, at] = [x[idx], idx];
              }
            dx[at] += dy[((n * oh + i) * ow + j) * c + k];
          }
    return dx;
  }

  it.each([
    [1, 4, 4, 1],
    [1, 4, 4, 3],
    [2, 9, 7, 5],
  ])('shape %i×%i×%i×%i, values in [−1, 1) (negative window maxima included)', async (...shape) => {
    const [b, h, w, c] = shape;
    const x = randomArray(b * h * w * c, 41);
    const dy = randomArray(b * Math.floor(h / 2) * Math.floor(w / 2) * c, 42);
    const [dx] = await onBackend('wasm', () => {
      const input = tf.tensor4d(x, [b, h, w, c]);
      const r = tf.tensor4d(dy, [b, Math.floor(h / 2), Math.floor(w / 2), c]);
      return [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), r)))(input),
      ];
    });
    expect(relativeError(dx, reference(x, dy, shape))).toBeLessThanOrEqual(TOL);
  });
});

describe('the wasm training kernels leak no tensors', () => {
  it('numTensors and wasm data buffers are unchanged after conv2d and maxPool gradients', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const outs = tf.tidy(() => [
      ...convGrads({ shape: [2, 9, 10, 3], k: [3, 3], co: 4, stride: 2, pad: 'same' }, 5)(),
      tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(tf.ones([1, 4, 4, 2])),
    ]);
    expect(outs.map((t) => t.shape)).toEqual([
      [2, 9, 10, 3],
      [3, 3, 3, 4],
      [1, 4, 4, 2],
    ]);
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
