/**
 * Uncertainty-quantification (UQ) network (Grönquist et al. 2021, UQ; DESIGN §2.2): a ResNet of
 * inception blocks. Inputs [b, H, W, C_uq] (subset spreads of every predictor and lead, member 1 after
 * local area-wise standardisation) and [b, H, W, T] (the raw target spreads, which the head sees again, as
 * in the reference code). Output softplus(·) ≥ 0 [b, H, W, T]; σ = scale · (output + ε), never abs().
 */
import {
  input,
  layers,
  model,
  initializers,
  type LayersModel,
  type SymbolicTensor,
} from '@tensorflow/tfjs-layers';

export interface UqNetShape {
  height: number;
  width: number;
  inChannels: number;
  targets: number;
  filters: number;
  blocks: number;
  branchFilters: number;
}

/** softplus⁻¹(1): the untrained head predicts σ ≈ 1 target scale. */
const SOFTPLUS_INV_ONE = Math.log(Math.E - 1);

function convBnRelu(x: SymbolicTensor, filters: number, kernel: number, name: string): SymbolicTensor {
  const c = layers
    .conv2d({ filters, kernelSize: kernel, padding: 'same', useBias: false, name: `${name}_conv` })
    .apply(x) as SymbolicTensor;
  const b = layers.batchNormalization({ name: `${name}_bn` }).apply(c) as SymbolicTensor;
  return layers.reLU({ name: `${name}_relu` }).apply(b) as SymbolicTensor;
}

/** Inception block: parallel 3×3/5×5/7×7 convs, concat, BN, ReLU, concat with the block input, 1×1 reduction, residual add. */
function inceptionBlock(x: SymbolicTensor, filters: number, branch: number, name: string): SymbolicTensor {
  const branches = [3, 5, 7].map(
    (k) =>
      layers
        .conv2d({ filters: branch, kernelSize: k, padding: 'same', useBias: false, name: `${name}_k${k}` })
        .apply(x) as SymbolicTensor,
  );
  let y = layers.concatenate({ name: `${name}_cat` }).apply(branches) as SymbolicTensor;
  y = layers.batchNormalization({ name: `${name}_bn` }).apply(y) as SymbolicTensor;
  y = layers.reLU({ name: `${name}_relu` }).apply(y) as SymbolicTensor;
  y = layers.concatenate({ name: `${name}_dense` }).apply([x, y]) as SymbolicTensor;
  y = layers
    .conv2d({ filters, kernelSize: 1, activation: 'relu', name: `${name}_reduce` })
    .apply(y) as SymbolicTensor;
  return layers.add({ name: `${name}_res` }).apply([x, y]) as SymbolicTensor;
}

export function buildUqNet(s: UqNetShape): LayersModel {
  const inp = input({ shape: [s.height, s.width, s.inChannels], name: 'uq_input' });
  const spread = input({ shape: [s.height, s.width, s.targets], name: 'uq_target_spread' });
  let x = convBnRelu(inp, s.filters, 3, 'stem');
  for (let i = 0; i < s.blocks; i++) x = inceptionBlock(x, s.filters, s.branchFilters, `block${i}`);
  let h = layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'head_a' })
    .apply(x) as SymbolicTensor;
  h = layers
    .conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'head_b' })
    .apply(h) as SymbolicTensor;
  h = layers.concatenate({ name: 'head_spread' }).apply([h, spread]) as SymbolicTensor;
  const out = layers
    .conv2d({
      filters: s.targets,
      kernelSize: 1,
      activation: 'softplus',
      biasInitializer: initializers.constant({ value: SOFTPLUS_INV_ONE }),
      name: 'sigma',
    })
    .apply(h) as SymbolicTensor;
  return model({ inputs: [inp, spread], outputs: out, name: 'uq_inception_resnet' });
}
