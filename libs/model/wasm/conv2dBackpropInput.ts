/**
 * Conv2DBackpropInput for the wasm backend through its XNNPACK forward convolution. tfjs-backend-wasm 4.22 has this
 * kernel, but as a scalar loop about 10× slower than its own forward conv2d; training spends a third of its
 * arithmetic here, so it is replaced.
 *
 * dx[b, y, x, ci] = Σ_{kh, kw, co} dy[b, oh, ow, co] · w[kh, kw, ci, co] with y = oh·s + kh − padTop, i.e. the
 * "full" correlation of dy (zero-inserted when s > 1) with the filter rotated by 180° and its channel axes swapped.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  backend_util,
  type Conv2DBackpropInputAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { compositeKernel } from './composite.js';

interface Plan {
  channelsFirst: boolean;
  strides: [number, number];
  /** Padding of the zero-inserted dy so that a 'valid' correlation yields exactly the input's height and width. */
  pad: [[number, number], [number, number], [number, number], [number, number]];
}

/** How to compute dx by a forward convolution, or null when the padding cannot be expressed that way. */
export function planInputGradient(
  filterShape: [number, number, number, number],
  attrs: Conv2DBackpropInputAttrs,
): Plan | null {
  const channelsFirst = attrs.dataFormat === 'NCHW';
  const [n, d1, d2, d3] = attrs.inputShape;
  const inShape: [number, number, number, number] = channelsFirst ? [n, d2, d3, d1] : [n, d1, d2, d3];
  const info = backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [kh, kw] = filterShape;
  const dilatedH = (info.outHeight - 1) * info.strideHeight + 1;
  const dilatedW = (info.outWidth - 1) * info.strideWidth + 1;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = info.inHeight - dilatedH + kh - 1 - top;
  const right = info.inWidth - dilatedW + kw - 1 - left;
  if (Math.min(top, left, bottom, right) < 0) return null;
  return {
    channelsFirst,
    strides: [info.strideHeight, info.strideWidth],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
  };
}

/** dx (input gradient) of conv2d given dy and the filter, following `plan`. */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, plan: Plan): tf.Tensor4D {
  return tf.tidy(() => {
    const dys = plan.channelsFirst ? tf.transpose(dy, [0, 2, 3, 1]) : dy;
    const spread = insertZeros(dys, plan.strides[0], plan.strides[1]);
    // [kh, kw, ci, co] → rotate 180° → [kh, kw, co, ci]: the filter of the transposed convolution.
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(spread, rotated, 1, plan.pad);
    return plan.channelsFirst ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/** [b, h, w, c] → [b, (h−1)·sh + 1, (w−1)·sw + 1, c] with the values at multiples of the strides, zeros between. */
function insertZeros(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [b, h, 1, w, 1, c]), [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const size: [number, number, number, number] = [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c];
  return tf.slice(tf.reshape<tf.Rank.R4>(spread, [b, h * sh, w * sw, c]), [0, 0, 0, 0], size);
}

/** Kernel function: the forward-convolution path when the padding allows it, else the backend's own kernel. */
export function conv2dBackpropInputKernel(native: KernelFunc): KernelFunc {
  const viaConv = compositeKernel<Conv2DBackpropInputAttrs & { plan: Plan }>((inputs, attrs) =>
    conv2dInputGradient(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs.plan),
  );
  return (args) => {
    const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const { filter } = args.inputs as { filter: TensorInfo };
    const plan = planInputGradient(filter.shape as [number, number, number, number], attrs);
    if (plan === null) return native(args);
    return viaConv({ ...args, attrs: { ...args.attrs, plan } as never });
  };
}
