/**
 * Tiled inference of the mixed model on large grids: the padded grid is cut into cores, each run through the
 * networks inside a window that adds a halo at least as wide as the networks' receptive field, and only the
 * cores are kept, so the stitched result equals untiled inference (within float rounding).
 *
 * Why it is exact:
 * - every layer before the LCN is translation-equivariant (3×3…7×7 'same' convs, BN in inference mode, ReLU,
 *   2×2 max-pool, bilinear ×2 upsampling, concatenation): an output point depends only on inputs within the
 *   receptive-field radius R, so a window whose halo is ≥ R computes its core exactly; where a window reaches
 *   the padded grid's edge it uses the same zero 'same'-padding as the untiled run;
 * - window starts, cores and halos are multiples of 2^levels, so the U-Net's pooling cells and upsampling
 *   pairs fall on the same points as in the untiled run;
 * - the LCN keeps its per-point weights: a window at padded rows r0…r1, columns c0…c1 uses the slice
 *   W[:, r0:r1, c0:c1, :] and B[r0:r1, c0:c1, :] of the full-grid maps (LocallyConnected1x1.callWindow).
 *
 * Per-point weights and grid size (the choice): the model's grid IS the inference grid. A model is built and
 * trained for one grid (its LCN weights, LAS maps and normalisation are per point of that grid); tiling is
 * only a way to run it on a grid too large for one pass of the backend (the wasm heap aborts untiled at
 * 0.5° and finer). A file on any other grid is refused (MismatchError), as before: mapping per-point
 * weights onto a different grid (interpolating W, B and the LAS maps) would be a different, untrained model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { model as functionalModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../contracts/errors.js';
import { lcnLayer } from './bcNet.js';
import type { ModelConfig } from './config.js';

/**
 * Receptive-field radius (padded grid points) of the BC U-Net with `levels` pooling levels — a conservative
 * sum over its deepest path: each 3×3 conv at level l adds 2^l, each 2×2 pool 2^l, each ×2 bilinear upsampling
 * from level l+1 2^(l+1). Encoder 3(2^L − 1), bottom 2·2^L, decoder 5(2^L − 1).
 */
export function bcReceptiveRadius(levels: number): number {
  return 8 * (2 ** levels - 1) + 2 ** (levels + 1);
}

/** Receptive-field radius of the UQ ResNet: stem 3×3 (1), each inception block's 7×7 branch (3), head 3×3 (1). */
export function uqReceptiveRadius(blocks: number): number {
  return 1 + 3 * blocks + 1;
}

/** The halo (padded points) that makes tiles exact for this configuration: max radius rounded up to 2^levels. */
export function exactHalo(cfg: Pick<ModelConfig, 'bcLevels' | 'uqBlocks'>): number {
  const m = 2 ** cfg.bcLevels;
  const r = Math.max(bcReceptiveRadius(cfg.bcLevels), uqReceptiveRadius(cfg.uqBlocks));
  return Math.ceil(r / m) * m;
}

/** One window along one axis: input [start, start + size), kept core [coreStart, coreEnd). */
export interface AxisWindow {
  start: number;
  size: number;
  coreStart: number;
  coreEnd: number;
}

/**
 * Windows along an axis of length n (a multiple of `align`): ⌈n / core⌉ cores of equal size (rounded up to
 * `align`, the last one shorter), each window its core plus `halo` (rounded up to `align`) on both sides,
 * clipped at the axis ends. Windows differ in size at the ends; the networks take any window shape.
 */
export function axisWindows(n: number, core: number, halo: number, align: number): AxisWindow[] {
  if (!(Number.isInteger(n) && n > 0 && n % align === 0))
    throw new InvalidArgumentError(`tiling: axis length ${n} is not a positive multiple of ${align}`);
  if (!(Number.isInteger(core) && core > 0))
    throw new InvalidArgumentError(`tiling: tile size ${core} must be a positive integer`);
  if (!(Number.isInteger(halo) && halo >= 0))
    throw new InvalidArgumentError(`tiling: halo ${halo} must be an integer ≥ 0`);
  const count = Math.ceil(n / Math.min(core, n));
  const c = Math.ceil(n / count / align) * align;
  const h = Math.ceil(halo / align) * align;
  const out: AxisWindow[] = [];
  for (let coreStart = 0; coreStart < n; coreStart += c) {
    const coreEnd = Math.min(coreStart + c, n);
    const start = Math.max(coreStart - h, 0);
    out.push({ start, size: Math.min(coreEnd + h, n) - start, coreStart, coreEnd });
  }
  return out;
}

export interface TileOptions {
  /** Largest core height and width of a tile in padded grid points (cores are equal, multiples of 2^levels). */
  tile: number;
  /** Halo in padded points; default (and minimum for exactness) exactHalo(config). Smaller only for tests. */
  halo?: number;
}

/** Copy the window rows/cols of a channel-last [b, H, W, C] array into a new [b, h, w, C] array. */
export function extractWindow(
  src: Float32Array,
  b: number,
  H: number,
  W: number,
  C: number,
  wy: AxisWindow,
  wx: AxisWindow,
): Float32Array {
  const out = new Float32Array(b * wy.size * wx.size * C);
  const rowLen = wx.size * C;
  for (let s = 0; s < b; s++)
    for (let i = 0; i < wy.size; i++) {
      const from = ((s * H + wy.start + i) * W + wx.start) * C;
      out.set(src.subarray(from, from + rowLen), (s * wy.size + i) * rowLen);
    }
  return out;
}

/**
 * The networks of a MixedModel arranged for windows: the BC trunk (everything before the LCN, sharing the
 * model's layers and weights — no copy) and the UQ net, both applied to window-sized tensors.
 */
export class TiledNetworks {
  private readonly trunk: LayersModel;

  constructor(
    bc: LayersModel,
    private readonly uq: LayersModel,
  ) {
    const lcn = lcnLayer(bc);
    this.trunk = functionalModel({ inputs: bc.inputs, outputs: lcn.input, name: 'bc_trunk' });
    this.lcn = lcn;
  }

  private readonly lcn: ReturnType<typeof lcnLayer>;

  /**
   * Residual and raw softplus σ (without ε) on one window: [b, h, w, ·] → two [b, h, w, T] tensors
   * (the caller disposes them). `top`/`left`: the window's place on the padded grid (LCN weight slice).
   */
  apply(
    bc: tf.Tensor4D,
    uq: tf.Tensor4D,
    spread: tf.Tensor4D,
    top: number,
    left: number,
  ): [tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const feat = this.trunk.apply(bc, { training: false }) as tf.Tensor4D;
      const res = this.lcn.callWindow(feat, top, left);
      const sig = this.uq.apply([uq, spread], { training: false }) as tf.Tensor4D;
      return [res, sig];
    });
  }
}
