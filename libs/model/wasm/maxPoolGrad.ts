/**
 * MaxPoolGrad for the wasm backend, from native ops. tfjs-backend-wasm 4.22's own kernel drops the gradient of
 * windows whose maximum is negative (e.g. window values −0.11, −0.05, −0.32, −0.59 → dx = 0 everywhere instead of dy
 * at −0.05; test/unit/backend/gradients.test.ts checks against a brute-force loop), which silently corrupts
 * training after any layer with negative activations.
 *
 * dx[b, o·s + k − pad, c] += dy[b, o, c] where k is the first (row-major) tap of window o whose input equals the
 * window maximum y[b, o, c] — the same tie rule as the cpu backend and TensorFlow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type MaxPoolGradAttrs } from '@tensorflow/tfjs-core';
import { compositeKernel } from './composite.js';

/** dx of maxPool(x) given dy and y = maxPool(x); x, dy, y in NHWC. */
export function maxPoolInputGradient(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  attrs: MaxPoolGradAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = backend_util.computePool2DInfo(
      x.shape,
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { batchSize: b, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    // Grid covering every tap: rows 0 … (oh−1)·sh + fh − 1 of the padded input.
    const gh = (oh - 1) * sh + fh;
    const gw = (ow - 1) * sw + fw;
    const xPad = tf.slice(
      tf.pad(
        x,
        [
          [0, 0],
          [top, Math.max(0, gh - h - top)],
          [left, Math.max(0, gw - w - left)],
          [0, 0],
        ],
        -Infinity,
      ),
      [0, 0, 0, 0],
      [b, gh, gw, c],
    );
    let taken: tf.Tensor | null = null;
    const parts: tf.Tensor4D[] = [];
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const tap = tf.stridedSlice(
          xPad,
          [0, i, j, 0],
          [b, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, c],
          [1, sh, sw, 1],
        ) as tf.Tensor4D;
        let hit = tf.equal(tap, y);
        if (taken) hit = tf.logicalAnd(hit, tf.logicalNot(taken));
        taken = taken ? tf.logicalOr(taken, hit) : hit;
        parts.push(placeOnGrid(tf.where(hit, dy, tf.zerosLike(dy)), sh, sw, i, j, gh, gw));
      }
    }
    const grid = tf.addN(parts);
    // Back from the padded grid to the input rows/columns.
    const rows = Math.min(h, gh - top);
    const cols = Math.min(w, gw - left);
    const dx = tf.slice(grid, [0, top, left, 0], [b, rows, cols, c]);
    return rows === h && cols === w
      ? dx
      : tf.pad(dx, [
          [0, 0],
          [0, h - rows],
          [0, w - cols],
          [0, 0],
        ]);
  });
}

/** v [b, oh, ow, c] placed at rows o·sh + i, columns o·sw + j of a zero [b, gh, gw, c] grid. */
function placeOnGrid(
  v: tf.Tensor4D,
  sh: number,
  sw: number,
  i: number,
  j: number,
  gh: number,
  gw: number,
): tf.Tensor4D {
  const [b, oh, ow, c] = v.shape;
  const spread: tf.Tensor4D = tf.reshape(
    tf.pad(tf.reshape(v, [b, oh, 1, ow, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]),
    [b, oh * sh, ow * sw, c],
  );
  // spread has oh·sh rows; the grid needs gh = (oh−1)·sh + fh, reached with i rows above and the rest below.
  const rows = Math.min(oh * sh, gh - i);
  const cols = Math.min(ow * sw, gw - j);
  const cut = tf.slice(spread, [0, 0, 0, 0], [b, rows, cols, c]);
  return tf.pad(cut, [
    [0, 0],
    [i, gh - i - rows],
    [j, gw - j - cols],
    [0, 0],
  ]);
}

/** Kernel config: registered for 'wasm' by registerWasmTrainingKernels(). */
export const maxPoolGradKernel = compositeKernel<MaxPoolGradAttrs>((inputs, attrs) =>
  maxPoolInputGradient(
    inputs.dy as tf.Tensor4D,
    inputs.input as tf.Tensor4D,
    inputs.output as tf.Tensor4D,
    attrs,
  ),
);
