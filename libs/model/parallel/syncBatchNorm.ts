/**
 * Batch normalisation whose training-mode moments span the whole batch when the batch is split over threads
 * (synchronised batch norm; Ioffe & Szegedy 2015, eq. 1–3 forward and the backward pass of their §3, with the
 * batch sums all-reduced as in Peng et al. 2018 "MegDet", cross-GPU BN).
 *
 * Why: the default recipe trains with batch 2, so a 2-thread shard holds one sample; per-shard moments would be a
 * different model (per-sample normalisation) and the result would not equal single-thread training. With the
 * sums of x, (x − μ)², dy and dy·x̂ all-reduced over the shards, every thread normalises with the global batch's
 * μ and σ² (biased, as tfjs-layers' moments) and back-propagates the exact global-batch gradient of its inputs;
 * γ and β get each shard's part, which the gradient reduction sums. The moving mean and variance are updated
 * with the same global moments on every thread, so they stay identical too.
 *
 * Inference mode is tfjs-layers' own code, untouched; only `call` of each BatchNormalization instance of the
 * given networks is replaced (weights, names and serialisation are unchanged).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { ModelError } from '../../contracts/errors.js';

/** Sums a vector over the threads that hold samples of the current batch (same result on every thread). */
export interface MomentSync {
  allReduce(values: Float64Array): Float64Array;
}

type Kwargs = Record<string, unknown>;

interface BatchNormInternals {
  getClassName(): string;
  name: string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  epsilon: number;
  momentum: number;
  axis: number;
  center: boolean;
  scale: boolean;
}

function sumsOf(...ts: tf.Tensor[]): Float64Array {
  const parts = ts.map((t) => t.dataSync() as Float32Array);
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** y = γ·x̂ + β with x̂ = (x − μ)/√(σ² + ε) for the global μ, σ² (constants here); exact global backward. */
function normalise(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  mean: tf.Tensor1D,
  variance: tf.Tensor1D,
  epsilon: number,
  count: number,
  sync: MomentSync,
): tf.Tensor4D {
  const f = tf.customGrad(((xs: tf.Tensor4D, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xHat = tf.mul(tf.sub(xs, mean), invStd);
    save([xHat, invStd, g]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xh, inv, gm] = saved;
        const C = xh.shape[3]!;
        const sdy = tf.sum(dy, [0, 1, 2]);
        const sdyx = tf.sum(tf.mul(dy, xh), [0, 1, 2]);
        const all = sync.allReduce(sumsOf(sdy, sdyx));
        const meanDy = tf.tensor1d(Float32Array.from(all.subarray(0, C), (v) => v / count));
        const meanDyX = tf.tensor1d(Float32Array.from(all.subarray(C, 2 * C), (v) => v / count));
        // ∂L/∂x = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)), means over the global batch.
        const dx = tf.mul(tf.mul(gm, inv), tf.sub(tf.sub(dy, meanDy), tf.mul(xh, meanDyX)));
        return [dx, sdyx, sdy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, gamma, beta) as tf.Tensor4D;
}

function syncedCall(layer: BatchNormInternals, x: tf.Tensor4D, sync: MomentSync): tf.Tensor {
  return tf.tidy(() => {
    const C = x.shape[3];
    const local = x.shape[0] * x.shape[1] * x.shape[2];
    const s1 = sync.allReduce(
      Float64Array.from([...(tf.sum(x, [0, 1, 2]).dataSync() as Float32Array), local]),
    );
    const count = s1[C];
    const mean = tf.tensor1d(Float32Array.from(s1.subarray(0, C), (v) => v / count));
    // Two passes, as tf.moments: Σ(x − μ)² with the global μ (no E[x²] − μ² cancellation).
    const s2 = sync.allReduce(sumsOf(tf.sum(tf.square(tf.sub(x, mean)), [0, 1, 2])));
    const variance = tf.tensor1d(Float32Array.from(s2, (v) => v / count));
    const y = normalise(x, layer.gamma.read(), layer.beta.read(), mean, variance, layer.epsilon, count, sync);
    // Moving averages as tfjs-layers: v ← v − (v − value)·(1 − momentum).
    for (const [v, value] of [
      [layer.movingMean, mean],
      [layer.movingVariance, variance],
    ] as const) {
      const orig = v.read();
      v.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - layer.momentum)));
    }
    return y;
  });
}

/**
 * Make every BatchNormalization layer of `nets` synchronise its training-mode moments through `sync`.
 * Returns the number of layers changed. Only channel-last, centred and scaled layers (as built here) qualify.
 */
export function synchroniseBatchNorm(nets: LayersModel[], sync: MomentSync): number {
  let n = 0;
  for (const net of nets) {
    for (const layer of net.layers as unknown as BatchNormInternals[]) {
      if (layer.getClassName() !== 'BatchNormalization') continue;
      if (!(layer.axis === -1 || layer.axis === 3) || !layer.center || !layer.scale)
        throw new ModelError(
          `batch-norm layer ${layer.name} (axis ${layer.axis}) cannot be synchronised: only channel-last, centred, scaled layers`,
        );
      const inference = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => {
        const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
        if (kwargs.training !== true) return inference(inputs, kwargs);
        if (x.rank !== 4)
          throw new ModelError(`batch-norm layer ${layer.name}: synchronised moments need a 4-D input`);
        return syncedCall(layer, x, sync);
      };
      n++;
    }
  }
  return n;
}
