/**
 * One optimisation step and one validation pass of the mixed model, for each training stage:
 * `bc` — MSE of the BC residual (+ LCN smoothness penalty); `uq` — Gaussian CRPS of N(μ_BC, σ_UQ²) with the
 * BC network frozen; `mixed` — the same CRPS through both networks (end-to-end fine-tuning).
 * Losses live in target-scale units (residual / s_t); reported CRPS is converted back to physical units.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../contracts/errors.js';
import { lcnLayer } from '../../model/bcNet.js';
import type { RawSample } from '../../model/features.js';
import { gaussianCrpsElementwise, gaussianCrpsLoss, latitudeWeights, mseLoss } from '../../model/losses.js';
import type { MixedModel } from '../../model/mixedModel.js';

export type TrainStage = 'bc' | 'uq' | 'mixed';

export interface StepOptions {
  stage: TrainStage;
  learningRate: number;
}

/** Per-target validation scores, physical units. */
export interface ValidationScores {
  crps: number[];
  rmse: number[];
  /** Mean over targets of CRPS / s_t (the early-stopping criterion, unit-free). */
  crpsScaled: number;
  rmseScaled: number;
}

/** Adam whose step size can change between epochs (tfjs reads `learningRate` at every update). */
class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

export class StageTrainer {
  private readonly optimizer: ScheduledAdam;
  private readonly weights: tf.Tensor4D | undefined;
  private readonly vars: tf.Variable[];

  constructor(
    private readonly model: MixedModel,
    readonly options: StepOptions,
  ) {
    if (!['bc', 'uq', 'mixed'].includes(options.stage))
      throw new InvalidArgumentError(`training stage must be bc, uq or mixed, got ${options.stage}`);
    if (!(options.learningRate > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    this.optimizer = new ScheduledAdam(options.learningRate, 0.9, 0.999); // tf.train.adam's defaults
    const g = model.grid;
    this.weights = model.config.coslatWeights ? latitudeWeights(g.latitudes, g.ny, g.nx) : undefined;
    const nets =
      options.stage === 'bc' ? [model.bc] : options.stage === 'uq' ? [model.uq] : [model.bc, model.uq];
    this.vars = nets.flatMap((n) => n.trainableWeights.map((w) => w.read() as tf.Variable));
  }

  /** The step size of the following updates (Adam's moments are kept). */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    this.optimizer.setLearningRate(lr);
  }

  /** One Adam step on a batch; returns the loss (target-scale units). */
  async step(batch: RawSample[]): Promise<number> {
    const m = this.model;
    const t = m.batchTensors(batch);
    const y = tf.tensor4d(m.encoder.residualTarget(batch), [
      batch.length,
      m.grid.ny,
      m.grid.nx,
      m.encoder.targets,
    ]);
    // The UQ stage trains against the frozen BC mean: computed once, outside the taped function.
    const frozen = this.options.stage === 'uq' ? m.bcResidual(t.bc, false) : null;
    try {
      const cost = this.optimizer.minimize(
        () => {
          const stage = this.options.stage;
          if (stage === 'bc') {
            const r = m.bcResidual(t.bc, true);
            return tf.add(mseLoss(r, y, this.weights), lcnLayer(m.bc).smoothnessPenalty());
          }
          const r = frozen ?? m.bcResidual(t.bc, true);
          const s = m.uqSigma(t.uq, t.spread, true);
          const crps = gaussianCrpsLoss(r, s, y, this.weights);
          return stage === 'mixed' ? tf.add(crps, lcnLayer(m.bc).smoothnessPenalty()) : crps;
        },
        true,
        this.vars,
      );
      const v = (await cost!.data())[0];
      cost!.dispose();
      return v;
    } finally {
      tf.dispose([t.bc, t.uq, t.spread, y]);
      frozen?.dispose();
    }
  }

  /** CRPS of N(μ, σ²) and RMSE of μ on validation samples (inference mode), batch by batch. */
  async validate(samples: RawSample[], batchSize = 2): Promise<ValidationScores> {
    const m = this.model;
    const T = m.encoder.targets;
    const crps = new Float64Array(T);
    const se = new Float64Array(T);
    let count = 0;
    for (let i = 0; i < samples.length; i += batchSize) {
      const batch = samples.slice(i, i + batchSize);
      const t = m.batchTensors(batch);
      const y = tf.tensor4d(m.encoder.residualTarget(batch), [batch.length, m.grid.ny, m.grid.nx, T]);
      const sums = tf.tidy(() => {
        const r = m.bcResidual(t.bc, false);
        const s = m.uqSigma(t.uq, t.spread, false);
        const c = tf.sum(gaussianCrpsElementwise(r, s, y), [0, 1, 2]);
        const e = tf.sum(tf.squaredDifference(r, y), [0, 1, 2]);
        return tf.concat([c, e]);
      });
      const v = await sums.data();
      tf.dispose([t.bc, t.uq, t.spread, y, sums]);
      for (let k = 0; k < T; k++) {
        crps[k] += v[k];
        se[k] += v[T + k];
      }
      count += batch.length * m.grid.ny * m.grid.nx;
    }
    const scale = m.stats.targetScale;
    const crpsScaled = Array.from(crps, (c) => c / count);
    const rmseScaled = Array.from(se, (e) => Math.sqrt(e / count));
    const avg = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
    return {
      crps: crpsScaled.map((c, k) => c * scale[k]),
      rmse: rmseScaled.map((r, k) => r * scale[k]),
      crpsScaled: avg(crpsScaled),
      rmseScaled: avg(rmseScaled),
    };
  }

  dispose(): void {
    this.optimizer.dispose();
    this.weights?.dispose();
  }
}
