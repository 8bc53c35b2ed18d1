/**
 * The mixed prediction + post-processing model (DESIGN §2.3): N(μ_BC, σ_UQ²) per grid point and target,
 * from the BC U-Net+LCN and the UQ inception ResNet, with the normalisation fitted on the training years.
 * Owns its two tfjs models; call `dispose()` when done. Backend-neutral: the caller picks the backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildBcNet } from './bcNet.js';
import type { ModelConfig } from './config.js';
import { InputEncoder } from './encoder.js';
import type { RawSample } from './features.js';
import type { NormalizationStats } from './normalization.js';
import { buildUqNet } from './uqNet.js';

/** Grid the model was trained on (inputs must match it). */
export interface ModelGrid {
  ny: number;
  nx: number;
  latitudes: number[];
  longitudes: number[];
  /** Global longitude axis: wrap-around padding. */
  periodic: boolean;
}

export interface GaussianForecast {
  /** Per target (config order): μ and σ on the [ny, nx] grid, physical units. */
  mu: Float32Array[];
  sigma: Float32Array[];
}

export class MixedModel {
  readonly encoder: InputEncoder;

  constructor(
    readonly config: ModelConfig,
    readonly stats: NormalizationStats,
    readonly grid: ModelGrid,
    readonly bc: LayersModel,
    readonly uq: LayersModel,
  ) {
    this.encoder = new InputEncoder(config, stats, grid.periodic);
  }

  /** Fresh, untrained networks for this configuration and grid. */
  static create(config: ModelConfig, stats: NormalizationStats, grid: ModelGrid): MixedModel {
    const pad = new InputEncoder(config, stats, grid.periodic);
    const { height, width } = pad.padding;
    const T = config.targets.length;
    const bc = buildBcNet({
      height,
      width,
      inChannels: pad.bcChannels,
      targets: T,
      filters: config.bcFilters,
      levels: config.bcLevels,
      lcnSmoothness: config.lcnSmoothness,
    });
    const uq = buildUqNet({
      height,
      width,
      inChannels: pad.uqChannels,
      targets: T,
      filters: config.uqFilters,
      blocks: config.uqBlocks,
      branchFilters: config.uqBranchFilters,
    });
    return new MixedModel(config, stats, grid, bc, uq);
  }

  private crop(x: tf.Tensor4D): tf.Tensor4D {
    const { begin, size } = this.encoder.padding.cropSlice();
    return tf.slice(x, begin, size);
  }

  /** BC residual in target-scale units, cropped to the grid: [b, H, W, 2K] → [b, ny, nx, T]. */
  bcResidual(xBc: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => this.crop(this.bc.apply(xBc, { training }) as tf.Tensor4D));
  }

  /** UQ σ in target-scale units (softplus + ε), cropped: [b, H, W, C_uq], [b, H, W, T] → [b, ny, nx, T]. */
  uqSigma(xUq: tf.Tensor4D, spread: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() =>
      tf.add(this.crop(this.uq.apply([xUq, spread], { training }) as tf.Tensor4D), this.config.sigmaEpsilon),
    );
  }

  /** Tensors of a batch (caller disposes them). */
  batchTensors(samples: RawSample[]): { bc: tf.Tensor4D; uq: tf.Tensor4D; spread: tf.Tensor4D } {
    const { height, width } = this.encoder.padding;
    const b = samples.length;
    const e = this.encoder;
    return {
      bc: tf.tensor4d(e.bcInput(samples), [b, height, width, e.bcChannels]),
      uq: tf.tensor4d(e.uqInput(samples), [b, height, width, e.uqChannels]),
      spread: tf.tensor4d(e.uqSpread(samples), [b, height, width, e.targets]),
    };
  }

  /** Physical N(μ, σ²) for each sample (inference mode). No tensors are left behind. */
  async predict(samples: RawSample[]): Promise<GaussianForecast[]> {
    const t = this.batchTensors(samples);
    const [res, sig] = tf.tidy(() => {
      const r = this.bcResidual(t.bc, false);
      const s = tf.sub(this.uqSigma(t.uq, t.spread, false), this.config.sigmaEpsilon);
      return [r, s];
    });
    try {
      const [r, s] = await Promise.all([res.data<'float32'>(), sig.data<'float32'>()]);
      return samples.map((sample, i) => this.encoder.decode(sample, i, r, s));
    } finally {
      tf.dispose([t.bc, t.uq, t.spread, res, sig]);
    }
  }

  dispose(): void {
    this.bc.dispose();
    this.uq.dispose();
  }
}
