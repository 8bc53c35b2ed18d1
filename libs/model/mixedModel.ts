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
import { withSeededRandom } from './seededRandom.js';
import { buildUqNet } from './uqNet.js';
import { axisWindows, exactHalo, extractWindow, TiledNetworks, type TileOptions } from './tiling.js';

/**
 * Padded grids with more points than this are run in tiles by `predict` (tiling.ts; equal to one pass within
 * float rounding): 512 × 512 — the 1° global grid (184 × 368 padded) runs in one pass, 0.5° and finer in tiles (bounded memory).
 */
export const AUTO_TILE_POINTS = 512 * 512;
/** Core size of the automatic tiles (padded points; the window adds the exact halo on each side). */
export const AUTO_TILE = 512;

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

/** One tile window's inputs, channel-last [b, h, w, ·], at padded rows top…, columns left… (tiling.ts). */
export interface WindowJob {
  bc: Float32Array;
  uq: Float32Array;
  spread: Float32Array;
  b: number;
  h: number;
  w: number;
  top: number;
  left: number;
}

/** The window's BC residual and raw softplus σ (without ε), [b, h, w, T] each. */
export interface WindowResult {
  res: Float32Array;
  sig: Float32Array;
}

/** Runs windows somewhere (this thread by default; the tensor thread pool spreads them over its threads). */
export type WindowRunner = (job: WindowJob) => Promise<WindowResult>;

export class MixedModel {
  readonly encoder: InputEncoder;
  private tiled?: TiledNetworks;

  constructor(
    readonly config: ModelConfig,
    readonly stats: NormalizationStats,
    readonly grid: ModelGrid,
    readonly bc: LayersModel,
    readonly uq: LayersModel,
  ) {
    this.encoder = new InputEncoder(config, stats, grid.periodic);
  }

  /**
   * Fresh, untrained networks for this configuration and grid. With `seed`, the initial weights are a function
   * of it (the same bits run to run); without, tfjs's initialisers draw from Math.random.
   */
  static create(
    config: ModelConfig,
    stats: NormalizationStats,
    grid: ModelGrid,
    o: { seed?: number } = {},
  ): MixedModel {
    if (o.seed !== undefined) {
      const seed = o.seed;
      return withSeededRandom(seed, () => MixedModel.create(config, stats, grid));
    }
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

  /**
   * Physical N(μ, σ²) for each sample (inference mode). No tensors are left behind. Large grids (more than
   * AUTO_TILE_POINTS padded points) and an explicit `tiles` run tiled (predictTiled); `tiles: false` forces
   * one pass.
   */
  async predict(samples: RawSample[], o: { tiles?: TileOptions | false } = {}): Promise<GaussianForecast[]> {
    const { height, width } = this.encoder.padding;
    if (o.tiles) return this.predictTiled(samples, o.tiles);
    if (o.tiles === undefined && height * width > AUTO_TILE_POINTS)
      return this.predictTiled(samples, { tile: AUTO_TILE });
    return this.predictWhole(samples);
  }

  private async predictWhole(samples: RawSample[]): Promise<GaussianForecast[]> {
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

  /**
   * predict() in tiles with a halo (tiling.ts): the padded inputs are built once in JS memory, then each
   * window's tensors live only while it runs, so the backend never holds more than one window's activations.
   * Equals one pass within float rounding when the halo is ≥ exactHalo(config) (the default).
   */
  async predictTiled(
    samples: RawSample[],
    o: TileOptions & { runner?: WindowRunner; concurrency?: number },
  ): Promise<GaussianForecast[]> {
    const e = this.encoder;
    const { height: H, width: W } = e.padding;
    const align = 2 ** this.config.bcLevels;
    const halo = o.halo ?? exactHalo(this.config);
    const rows = axisWindows(H, o.tile, halo, align);
    const cols = axisWindows(W, o.tile, halo, align);
    const b = samples.length;
    const T = e.targets;
    const bcIn = e.bcInput(samples);
    const uqIn = e.uqInput(samples);
    const spIn = e.uqSpread(samples);
    const { ny, nx, top, left } = e.padding;
    const res = new Float32Array(b * ny * nx * T);
    const sig = new Float32Array(b * ny * nx * T);
    const windows = rows.flatMap((wy) => cols.map((wx) => ({ wy, wx })));
    const runner = o.runner ?? ((job: WindowJob) => this.runWindow(job));
    const one = async ({ wy, wx }: (typeof windows)[number]) => {
      // Rows/columns of the crop (the unpadded grid) inside this core; a core wholly in the padding is skipped.
      const i0 = Math.max(wy.coreStart, top);
      const i1 = Math.min(wy.coreEnd, top + ny);
      const j0 = Math.max(wx.coreStart, left);
      const j1 = Math.min(wx.coreEnd, left + nx);
      if (i0 >= i1 || j0 >= j1) return;
      const out = await runner({
        bc: extractWindow(bcIn, b, H, W, e.bcChannels, wy, wx),
        uq: extractWindow(uqIn, b, H, W, e.uqChannels, wy, wx),
        spread: extractWindow(spIn, b, H, W, T, wy, wx),
        b,
        h: wy.size,
        w: wx.size,
        top: wy.start,
        left: wx.start,
      });
      const len = (j1 - j0) * T;
      for (let q = 0; q < b; q++)
        for (let i = i0; i < i1; i++) {
          const from = ((q * wy.size + i - wy.start) * wx.size + j0 - wx.start) * T;
          const to = ((q * ny + i - top) * nx + j0 - left) * T;
          res.set(out.res.subarray(from, from + len), to);
          sig.set(out.sig.subarray(from, from + len), to);
        }
    };
    // `concurrency` windows in flight (the pool's thread count); each holds only its own window arrays.
    let next = 0;
    const lanes = Array.from({ length: Math.max(1, o.concurrency ?? 1) }, async () => {
      while (next < windows.length) await one(windows[next++]);
    });
    await Promise.all(lanes);
    return samples.map((sample, i) => e.decode(sample, i, res, sig));
  }

  /** Run the networks on one window in this thread (tiled inference). No tensors are left behind. */
  async runWindow(job: WindowJob): Promise<WindowResult> {
    const e = this.encoder;
    const nets = (this.tiled ??= new TiledNetworks(this.bc, this.uq));
    const shape = (c: number): [number, number, number, number] => [job.b, job.h, job.w, c];
    const x = tf.tensor4d(job.bc, shape(e.bcChannels));
    const u = tf.tensor4d(job.uq, shape(e.uqChannels));
    const sp = tf.tensor4d(job.spread, shape(e.targets));
    let out: tf.Tensor4D[] = [];
    try {
      out = nets.apply(x, u, sp, job.top, job.left);
      const [res, sig] = await Promise.all([out[0].data<'float32'>(), out[1].data<'float32'>()]);
      return { res, sig };
    } finally {
      tf.dispose([x, u, sp, ...out]);
    }
  }

  dispose(): void {
    this.bc.dispose();
    this.uq.dispose();
  }
}
