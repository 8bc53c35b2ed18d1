/**
 * Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm 4.22 has none, so no convolution can train there),
 * built from one XNNPACK matrix product per filter offset.
 *
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} xPad[b, oh·s + kh, ow·s + kw, ci] · dy[b, oh, ow, co]  (strides s, dilation 1:
 * tfjs-core refuses conv2d gradients with dilation > 1 before reaching this kernel).
 *
 * Layout trick (why it is fast): xPad is transposed once to [ci, b·Hp·Wp] and flattened; dy is scattered onto the same
 * padded [b, Hp, Wp] grid (zeros elsewhere). The filter offset (kh, kw) is then a shift of kh·Wp + kw along the flat
 * axis, so each offset costs one contiguous column slice and one non-transposed matMul [ci, L] × [L, co] — the
 * only matMul form the wasm backend runs through XNNPACK (transposed operands fall back to a slow loop).
 */
import * as tf from '@tensorflow/tfjs-core';
import { backend_util, type Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs-core';
import { compositeKernel } from './composite.js';

/** Filter gradient [kh, kw, ci, co] of conv2d(x, w) given dy; x and dy in `dataFormat`. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const channelsFirst = attrs.dataFormat === 'NCHW';
    // Work in channels-last: [b, h, w, c].
    const xs = channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x;
    const dys = channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const [kh, kw, ci, co] = attrs.filterShape;
    const info = backend_util.computeConv2DInfo(
      xs.shape,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const {
      batchSize: b,
      inHeight: h,
      inWidth: w,
      outHeight: oh,
      outWidth: ow,
      strideHeight: sh,
      strideWidth: sw,
    } = info;
    const { top, left } = info.padInfo;
    // The padded grid must hold every input row/column a filter tap reads: (o−1)·s + k.
    const hp = Math.max(h + top, (oh - 1) * sh + kh);
    const wp = Math.max(w + left, (ow - 1) * sw + kw);
    const xPad = tf.slice(
      tf.pad(xs, [
        [0, 0],
        [top, Math.max(0, hp - h - top)],
        [left, Math.max(0, wp - w - left)],
        [0, 0],
      ]),
      [0, 0, 0, 0],
      [b, hp, wp, ci],
    );
    const length = b * hp * wp;
    const maxShift = (kh - 1) * wp + (kw - 1);
    // [ci, b·hp·wp + maxShift]: every shifted window of length `length` stays in range.
    const xFlat = tf.pad(tf.reshape(tf.transpose(xPad, [3, 0, 1, 2]), [ci, length]), [
      [0, 0],
      [0, maxShift],
    ]);
    const dyGrid = tf.reshape(scatterOntoGrid(dys, sh, sw, hp, wp), [length, co]);
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = tf.slice(xFlat, [0, i * wp + j], [ci, length]);
        taps.push(tf.matMul(window, dyGrid));
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, ci, co]);
  });
}

/** dy [b, oh, ow, c] placed at rows oh·sh, columns ow·sw of a zero [b, hp, wp, c] grid. */
function scatterOntoGrid(dy: tf.Tensor4D, sh: number, sw: number, hp: number, wp: number): tf.Tensor4D {
  const [b, oh, ow, c] = dy.shape;
  let grid: tf.Tensor4D = dy;
  if (sh > 1 || sw > 1) {
    // Zero insertion: [b, oh, 1, ow, 1, c] → pad to [b, oh, sh, ow, sw, c] → [b, oh·sh, ow·sw, c].
    const spread = tf.pad(tf.reshape(dy, [b, oh, 1, ow, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    grid = tf.reshape(spread, [b, oh * sh, ow * sw, c]);
  }
  const rows = Math.min(grid.shape[1], hp);
  const cols = Math.min(grid.shape[2], wp);
  if (rows < grid.shape[1] || cols < grid.shape[2]) grid = tf.slice(grid, [0, 0, 0, 0], [b, rows, cols, c]);
  return tf.pad(grid, [
    [0, 0],
    [0, hp - rows],
    [0, wp - cols],
    [0, 0],
  ]);
}

/** Kernel config: registered for 'wasm' by registerWasmTrainingKernels(). */
export const conv2dBackpropFilterKernel = compositeKernel<Conv2DBackpropFilterAttrs>((inputs, attrs) =>
  conv2dFilterGradient(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs),
);
