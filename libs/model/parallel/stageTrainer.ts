/**
 * One training stage of the mixed model on the tensor thread pool, with the single-thread StageTrainer's
 * interface (libs/pipeline/train/steps.ts), so the training loop does not care which one it drives:
 * `step` = one data-parallel Adam step of the global batch; `validate` = validation spread over the threads.
 *
 * The main thread's model stays the source of truth between stages: the first step of a stage pushes its
 * weights to every thread (so a restored best epoch or a new LCN bias reaches them), and `validate` pulls the
 * trained weights back before scoring (so the snapshot and checkpoint that follow see them).
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { RawSample } from '../features.js';
import type { MixedModel } from '../mixedModel.js';
import {
  checkStage,
  validationScores,
  type TrainStage,
  type ValidationScores,
  type ValidationSums,
} from '../stageLoss.js';
import type { TensorThreadPool } from './pool.js';

export interface ParallelStageOptions {
  stage: TrainStage;
  learningRate: number;
}

export class ParallelStageTrainer {
  private started = false;
  private pendingLearningRate: number | null = null;

  constructor(
    private readonly pool: TensorThreadPool,
    private readonly model: MixedModel,
    readonly options: ParallelStageOptions,
  ) {
    checkStage(options.stage);
    if (!(options.learningRate > 0)) throw new InvalidArgumentError('learning rate must be > 0');
  }

  /** The step size of the following updates (Adam's moments are kept); sent with the next step. */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new InvalidArgumentError('learning rate must be > 0');
    this.pendingLearningRate = lr;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    await this.pool.pushWeights(this.model);
    await this.pool.beginStage(this.options.stage, this.pendingLearningRate ?? this.options.learningRate);
    this.pendingLearningRate = null;
    this.started = true;
  }

  /** One Adam step on a batch split over the threads; returns the global batch's loss (target-scale units). */
  async step(batch: RawSample[]): Promise<number> {
    await this.start();
    if (this.pendingLearningRate !== null) {
      await this.pool.setLearningRate(this.pendingLearningRate);
      this.pendingLearningRate = null;
    }
    return this.pool.step(batch);
  }

  /** Validation CRPS and RMSE (inference mode) with the current weights, which also land in the main model. */
  async validate(samples: RawSample[], batchSize = 2): Promise<ValidationScores> {
    return validationScores(await this.validationSums(samples, batchSize), this.model.stats.targetScale);
  }

  /** The sums behind `validate` (add the sums of several chunks, then validationScores). */
  async validationSums(samples: RawSample[], batchSize = 2): Promise<ValidationSums> {
    if (this.started) await this.pool.pullWeights(this.model);
    else await this.pool.pushWeights(this.model);
    return this.pool.validate(samples, batchSize);
  }

  /** Nothing to free here: the threads' optimizer goes with the next stage (or the pool). */
  dispose(): void {}
}
