/**
 * One optimisation step and one validation pass of the mixed model, for each training stage, on this thread
 * (the stage objectives are in libs/model/stageLoss.ts; libs/model/parallel runs the same on tensor threads):
 * `bc` — MSE of the BC residual (+ LCN smoothness penalty); `uq` — Gaussian CRPS of N(μ_BC, σ_UQ²) with the
 * BC network frozen; `mixed` — the same CRPS through both networks (end-to-end fine-tuning).
 * Losses live in target-scale units (residual / s_t); reported CRPS is converted back to physical units.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { RawSample } from '../../model/features.js';
import { latitudeWeights } from '../../model/losses.js';
import type { MixedModel } from '../../model/mixedModel.js';
import {
  ScheduledAdam,
  checkStage,
  disposeStageBatch,
  stageBatch,
  stageLoss,
  stageVariables,
  validationScores,
  validationSums,
  type TrainStage,
  type ValidationScores,
  type ValidationSums,
} from '../../model/stageLoss.js';

export type { TrainStage, ValidationScores };

export interface StepOptions {
  stage: TrainStage;
  learningRate: number;
}

export class StageTrainer {
  private readonly optimizer: ScheduledAdam;
  private readonly weights: tf.Tensor4D | undefined;
  private readonly vars: tf.Variable[];

  constructor(
    private readonly model: MixedModel,
    readonly options: StepOptions,
  ) {
    checkStage(options.stage);
    if (!(options.learningRate > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    this.optimizer = new ScheduledAdam(options.learningRate);
    const g = model.grid;
    this.weights = model.config.coslatWeights ? latitudeWeights(g.latitudes, g.ny, g.nx) : undefined;
    this.vars = stageVariables(model, options.stage);
  }

  /** The step size of the following updates (Adam's moments are kept). */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    this.optimizer.setLearningRate(lr);
  }

  /** One Adam step on a batch; returns the loss (target-scale units). */
  async step(batch: RawSample[]): Promise<number> {
    const b = stageBatch(this.model, this.options.stage, batch);
    try {
      const cost = this.optimizer.minimize(
        () => stageLoss(this.model, this.options.stage, b, this.weights),
        true,
        this.vars,
      );
      const v = (await cost!.data())[0];
      cost!.dispose();
      return v;
    } finally {
      disposeStageBatch(b);
    }
  }

  /** CRPS of N(μ, σ²) and RMSE of μ on validation samples (inference mode), batch by batch. */
  async validate(samples: RawSample[], batchSize = 2): Promise<ValidationScores> {
    const sums = await validationSums(this.model, samples, batchSize);
    return validationScores(sums, this.model.stats.targetScale);
  }

  /** The sums behind `validate` (add the sums of several chunks, then validationScores). */
  validationSums(samples: RawSample[], batchSize = 2): Promise<ValidationSums> {
    return validationSums(this.model, samples, batchSize);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.weights?.dispose();
  }
}
