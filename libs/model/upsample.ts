/**
 * Bilinear ×2 upsampling built from slices, packs and reshapes, so that its gradient is the same on every
 * backend (tfjs-backend-cpu 4.22's ResizeBilinearGrad returns a tensor with height and width swapped on
 * non-square inputs). Same values as tf.image.resizeBilinear(x, [2h, 2w]) with alignCorners = false:
 * out[2k] = x[k], out[2k+1] = (x[k] + x[k+1])/2, the last row/column repeated at the edge.
 * [b, h, w, c] → [b, 2h, 2w, c].
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type Shape } from '@tensorflow/tfjs-layers';

function upsampleAxis(x: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const n = x.shape[axis];
  const begin = [0, 0, 0, 0];
  const size = [-1, -1, -1, -1];
  begin[axis] = 1;
  size[axis] = n - 1;
  const lastBegin = [0, 0, 0, 0];
  const lastSize = [-1, -1, -1, -1];
  lastBegin[axis] = n - 1;
  lastSize[axis] = 1;
  const next = n > 1 ? tf.concat([tf.slice(x, begin, size), tf.slice(x, lastBegin, lastSize)], axis) : x;
  const mid = tf.mul(tf.add(x, next), 0.5);
  const shape = [...x.shape] as [number, number, number, number];
  shape[axis] = 2 * n;
  return tf.reshape(tf.stack([x, mid], axis + 1), shape);
}

/** Functional form: [b, h, w, c] → [b, 2h, 2w, c]. */
export function bilinearUpsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => upsampleAxis(upsampleAxis(x, 1), 2));
}

export class BilinearUpsample2x extends layers.Layer {
  static readonly className = 'EppBilinearUpsample2x';

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [s[0], s[1] == null ? null : 2 * s[1], s[2] == null ? null : 2 * s[2], s[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    // The native kernel is ~10× faster on wasm; only the cpu backend's gradient kernel is broken.
    if (tf.getBackend() === 'cpu') return bilinearUpsample2x(x);
    return tf.image.resizeBilinear(x, [2 * x.shape[1], 2 * x.shape[2]]);
  }
}

tf.serialization.registerClass(BilinearUpsample2x);
