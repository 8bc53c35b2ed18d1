/**
 * Bias-correction (BC) network (Grönquist et al. 2021, BC; DESIGN §2.1): a U-Net of conv3×3–BN–ReLU
 * blocks with max-pooling, bilinear ×2 upsampling followed by a plain 3×3 conv, skip concatenations, then
 * the LCN per-grid-point linear layer. Input [b, H, W, C_bc] (padded grid) → residual [b, H, W, T] in
 * units of each target's scale; μ = subset mean + scale · residual.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, layers, model, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LocallyConnected1x1 } from './lcn.js';
import { BilinearUpsample2x } from './upsample.js';

export interface BcNetShape {
  height: number;
  width: number;
  inChannels: number;
  targets: number;
  filters: number;
  levels: number;
  lcnSmoothness: number;
}

/** conv 3×3 → batch norm → ReLU (the paper's U-Net block). */
function convBnRelu(x: SymbolicTensor, filters: number, name: string): SymbolicTensor {
  const c = layers
    .conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: `${name}_conv` })
    .apply(x) as SymbolicTensor;
  const b = layers.batchNormalization({ name: `${name}_bn` }).apply(c) as SymbolicTensor;
  return layers.reLU({ name: `${name}_relu` }).apply(b) as SymbolicTensor;
}

/** Build the BC U-Net + LCN. The LCN is the layer named `lcn` (see `lcnLayer`). */
export function buildBcNet(s: BcNetShape): LayersModel {
  const inp = input({ shape: [s.height, s.width, s.inChannels], name: 'bc_input' });
  let x: SymbolicTensor = inp;
  const skips: SymbolicTensor[] = [];
  for (let l = 0; l < s.levels; l++) {
    const f = s.filters * 2 ** l;
    x = convBnRelu(convBnRelu(x, f, `enc${l}a`), f, `enc${l}b`);
    skips.push(x);
    x = layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${l}` }).apply(x) as SymbolicTensor;
  }
  const fb = s.filters * 2 ** s.levels;
  x = convBnRelu(convBnRelu(x, fb, 'bottom_a'), fb, 'bottom_b');
  for (let l = s.levels - 1; l >= 0; l--) {
    const f = s.filters * 2 ** l;
    x = new BilinearUpsample2x({ name: `up${l}` }).apply(x) as SymbolicTensor;
    x = layers
      .conv2d({ filters: f, kernelSize: 3, padding: 'same', name: `up${l}_conv` })
      .apply(x) as SymbolicTensor;
    x = layers.concatenate({ name: `skip${l}` }).apply([skips[l], x]) as SymbolicTensor;
    x = convBnRelu(convBnRelu(x, f, `dec${l}a`), f, `dec${l}b`);
  }
  const out = new LocallyConnected1x1({ units: s.targets, smoothness: s.lcnSmoothness, name: 'lcn' }).apply(
    x,
  ) as SymbolicTensor;
  return model({ inputs: inp, outputs: out, name: 'bc_unet_lcn' });
}

/** The LCN layer of a BC network (for its smoothness penalty). */
export function lcnLayer(net: LayersModel): LocallyConnected1x1 {
  return net.getLayer('lcn') as LocallyConnected1x1;
}

/** Number of trainable parameters. */
export function countParams(net: LayersModel): number {
  return net.trainableWeights.reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
}
