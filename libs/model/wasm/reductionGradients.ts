/**
 * Gradients of Sum and Mean without tfjs-core 4.22's ones(x.shape): its versions multiply the reshaped dy by a
 * ones tensor made in JavaScript (a fresh Float32Array of x's size, filled, then copied onto the backend) at every
 * backward pass. The training graphs reduce large tensors (the LCN's per-target sums, the losses' means over the
 * grid, tfjs-layers' batch-norm moments), so that made megabytes of garbage per step, collected on the V8 helper
 * threads that the tensor threads compete with (bench threads). Here dy is broadcast on the backend (BroadcastTo,
 * i.e. Tile) instead: dy·1 = dy exactly in IEEE 754, so the gradients are the same bits.
 *
 * Gradients are registered for every backend; the values do not depend on which.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Mean, Sum, type GradConfig, type MeanAttrs, type SumAttrs } from '@tensorflow/tfjs-core';

/** dy of a reduction over `axis` of x, broadcast back to x's shape (Sum's gradient; Mean's before the division). */
function broadcastDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const kept = x.shape.slice();
  for (const a of axes) kept[a] = 1;
  return tf.broadcastTo(tf.reshape(dy, kept), x.shape);
}

export const sumGrad: GradConfig = {
  kernelName: Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const dx = broadcastDy(dy as tf.Tensor, x, (attrs as unknown as SumAttrs).axis);
    return { x: () => dx };
  },
};

export const meanGrad: GradConfig = {
  kernelName: Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { axis } = attrs as unknown as MeanAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    return { x: () => tf.div(broadcastDy(dy as tf.Tensor, x, axis), reduceSize) };
  },
};

/** Idempotent (a registration replaces the previous one); call after tfjs-layers registered tfjs's gradients. */
export function registerReductionGradients(): void {
  tf.registerGradient(sumGrad);
  tf.registerGradient(meanGrad);
}
