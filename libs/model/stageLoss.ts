/**
 * The training objective of each stage of the mixed model and its validation sums, shared by the single-thread
 * trainer (libs/pipeline) and the data-parallel tensor threads (./parallel): `bc` — MSE of the BC residual
 * (+ LCN smoothness penalty); `uq` — Gaussian CRPS of N(μ_BC, σ_UQ²) with the BC network frozen; `mixed` — the
 * same CRPS through both networks (end-to-end fine-tuning). Losses are in target-scale units (residual / s_t).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../contracts/errors.js';
import { lcnLayer } from './bcNet.js';
import type { RawSample } from './features.js';
import { gaussianCrpsElementwise, gaussianCrpsLoss, mseLoss } from './losses.js';
import type { MixedModel } from './mixedModel.js';

export type TrainStage = 'bc' | 'uq' | 'mixed';

export function checkStage(stage: string): asserts stage is TrainStage {
  if (!['bc', 'uq', 'mixed'].includes(stage))
    throw new InvalidArgumentError(`training stage must be bc, uq or mixed, got ${stage}`);
}

/** Adam whose step size can change between epochs (tfjs reads `learningRate` at every update). */
export class ScheduledAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999); // tf.train.adam's defaults
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** The variables a stage trains (BC, UQ or both), in a fixed order. */
export function stageVariables(model: MixedModel, stage: TrainStage): tf.Variable[] {
  const nets = stage === 'bc' ? [model.bc] : stage === 'uq' ? [model.uq] : [model.bc, model.uq];
  return nets.flatMap((n) => n.trainableWeights.map((w) => w.read() as tf.Variable));
}

export interface StageBatch {
  bc: tf.Tensor4D;
  uq: tf.Tensor4D;
  spread: tf.Tensor4D;
  /** Residual target [b, ny, nx, T]. */
  y: tf.Tensor4D;
  /** UQ stage: the frozen BC residual, computed outside the taped function. */
  frozen: tf.Tensor4D | null;
}

/** Tensors of a training batch (caller disposes them with `disposeStageBatch`). */
export function stageBatch(
  model: MixedModel,
  stage: TrainStage,
  samples: RawSample[],
  /** Called once the input tensors exist, before the frozen BC pass (phase profile of the tensor threads). */
  onInputs?: () => void,
): StageBatch {
  const t = model.batchTensors(samples);
  const g = model.grid;
  const y = tf.tensor4d(model.encoder.residualTarget(samples), [
    samples.length,
    g.ny,
    g.nx,
    model.encoder.targets,
  ]);
  onInputs?.();
  const frozen = stage === 'uq' ? model.bcResidual(t.bc, false) : null;
  return { ...t, y, frozen };
}

export function disposeStageBatch(b: StageBatch): void {
  tf.dispose([b.bc, b.uq, b.spread, b.y]);
  b.frozen?.dispose();
}

/**
 * The loss of a batch (taped; call inside optimizer.minimize / computeGradients). `share` is this batch's fraction
 * of the global batch when the batch is split over threads: the shards' scaled losses (penalty included) then sum
 * to the global batch's loss, and so do their gradients. 1 (single thread) leaves the loss as it is.
 * `lcnPenalty: false` leaves out the LCN smoothness penalty (bc and mixed): the tensor threads add it and its
 * gradient themselves, once per step for the whole batch (lcn.ts addSmoothnessPart).
 */
export function stageLoss(
  model: MixedModel,
  stage: TrainStage,
  b: StageBatch,
  weights: tf.Tensor | undefined,
  share = 1,
  lcnPenalty = true,
): tf.Scalar {
  let loss: tf.Scalar;
  if (stage === 'bc') {
    const r = model.bcResidual(b.bc, true);
    const mse = mseLoss(r, b.y, weights);
    loss = lcnPenalty ? tf.add(mse, lcnLayer(model.bc).smoothnessPenalty()) : mse;
  } else {
    const r = b.frozen ?? model.bcResidual(b.bc, true);
    const s = model.uqSigma(b.uq, b.spread, true);
    const crps = gaussianCrpsLoss(r, s, b.y, weights);
    loss = stage === 'mixed' && lcnPenalty ? tf.add(crps, lcnLayer(model.bc).smoothnessPenalty()) : crps;
  }
  return share === 1 ? loss : tf.mul(loss, share);
}

/** Sums over validation samples (inference mode): CRPS and squared error per target, and the point count. */
export interface ValidationSums {
  crps: Float64Array;
  se: Float64Array;
  count: number;
}

/** Validation sums of `samples`, `batchSize` at a time. No tensors are left behind. */
export async function validationSums(
  model: MixedModel,
  samples: RawSample[],
  batchSize: number,
): Promise<ValidationSums> {
  const T = model.encoder.targets;
  const out: ValidationSums = { crps: new Float64Array(T), se: new Float64Array(T), count: 0 };
  for (let i = 0; i < samples.length; i += batchSize) {
    const batch = samples.slice(i, i + batchSize);
    const t = model.batchTensors(batch);
    const y = tf.tensor4d(model.encoder.residualTarget(batch), [
      batch.length,
      model.grid.ny,
      model.grid.nx,
      T,
    ]);
    const sums = tf.tidy(() => {
      const r = model.bcResidual(t.bc, false);
      const s = model.uqSigma(t.uq, t.spread, false);
      const c = tf.sum(gaussianCrpsElementwise(r, s, y), [0, 1, 2]);
      const e = tf.sum(tf.squaredDifference(r, y), [0, 1, 2]);
      return tf.concat([c, e]);
    });
    const v = await sums.data();
    tf.dispose([t.bc, t.uq, t.spread, y, sums]);
    for (let k = 0; k < T; k++) {
      out.crps[k] += v[k];
      out.se[k] += v[T + k];
    }
    out.count += batch.length * model.grid.ny * model.grid.nx;
  }
  return out;
}

/** Per-target validation scores, physical units. */
export interface ValidationScores {
  crps: number[];
  rmse: number[];
  /** Mean over targets of CRPS / s_t (the early-stopping criterion, unit-free). */
  crpsScaled: number;
  rmseScaled: number;
}

/** Scores from validation sums: mean CRPS and RMSE per target, scaled back by each target's s_t. */
export function validationScores(sums: ValidationSums, targetScale: number[]): ValidationScores {
  const crpsScaled = Array.from(sums.crps, (c) => c / sums.count);
  const rmseScaled = Array.from(sums.se, (e) => Math.sqrt(e / sums.count));
  const avg = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
  return {
    crps: crpsScaled.map((c, k) => c * targetScale[k]),
    rmse: rmseScaled.map((r, k) => r * targetScale[k]),
    crpsScaled: avg(crpsScaled),
    rmseScaled: avg(rmseScaled),
  };
}

/** Add `b` into `a` (validation sums of several shards). */
export function addValidationSums(a: ValidationSums, b: ValidationSums): void {
  for (let k = 0; k < a.crps.length; k++) {
    a.crps[k] += b.crps[k];
    a.se[k] += b.se[k];
  }
  a.count += b.count;
}
