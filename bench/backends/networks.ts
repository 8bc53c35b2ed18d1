/**
 * Networks the backends benchmark times. Add the project's BC U-Net and UQ ResNet here once they exist: an entry
 * builds either a forward function with its variables or a tf.LayersModel (wrapped by `fromLayersModel`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

export interface BuiltNetwork {
  apply(x: tf.Tensor): tf.Tensor;
  variables: tf.Variable[];
  /** Multiply–adds ×2 of one forward pass on the benchmark batch (convolutions and matMuls only). */
  forwardFlops: number;
  /** Same for one training step: forward + weight gradients + input gradients of every layer but the first. */
  trainFlops: number;
  dispose(): void;
}

export interface BenchNetwork {
  name: string;
  /** [batch, height, width, channels] of the input; the target has the output's shape. */
  inputShape: [number, number, number, number];
  build(): BuiltNetwork;
}

/** 2·k²·ci·co FLOPs per output pixel of a k×k convolution. */
function convFlops(b: number, h: number, w: number, k: number, ci: number, co: number): number {
  return 2 * b * h * w * k * k * ci * co;
}

/** Issue #4's reference: 4 × (conv 3×3, 32 filters, 'same') + ReLU on 20 channels, 64 × 128 grid, batch 2. */
export const reference: BenchNetwork = {
  name: 'reference',
  inputShape: [2, 64, 128, 20],
  build() {
    const [b, h, w, c] = this.inputShape;
    const channels = [c, 32, 32, 32, 32];
    const variables: tf.Variable[] = [];
    for (let l = 0; l < 4; l++) {
      const scale = Math.sqrt(2 / (9 * channels[l]));
      variables.push(
        tf.variable(tf.mul(tf.randomNormal([3, 3, channels[l], channels[l + 1]], 0, 1, 'float32', l), scale)),
      );
      variables.push(tf.variable(tf.zeros([channels[l + 1]])));
    }
    const perLayer = channels.slice(0, 4).map((ci, l) => convFlops(b, h, w, 3, ci, channels[l + 1]));
    const forward = perLayer.reduce((a, f) => a + f, 0);
    return {
      variables,
      forwardFlops: forward,
      trainFlops: 3 * forward - perLayer[0],
      apply: (x) => {
        let y = x as tf.Tensor4D;
        for (let l = 0; l < 4; l++) {
          y = tf.relu(
            tf.add<tf.Tensor4D>(
              tf.conv2d(y, variables[2 * l] as tf.Tensor4D, 1, 'same'),
              variables[2 * l + 1],
            ),
          );
        }
        return y;
      },
      dispose: () => tf.dispose(variables),
    };
  },
};

/** Wraps a LayersModel; FLOPs are counted from its Conv2D and Dense layers. */
export function fromLayersModel(model: LayersModel, batch: number): BuiltNetwork {
  let forward = 0;
  let first = 0;
  for (const layer of model.layers) {
    const cfg = layer.getConfig();
    const out = layer.outputShape as number[];
    const inp = (layer.input as unknown as { shape: number[] }).shape;
    let f = 0;
    if (layer.getClassName() === 'Conv2D') {
      const [kh, kw] = cfg.kernelSize as number[];
      f = 2 * batch * out[1] * out[2] * out[3] * kh * kw * inp[3];
    } else if (layer.getClassName() === 'Dense') {
      f = (2 * batch * inp.slice(1).reduce((a, v) => a * v, 1) * out[out.length - 1]) / inp[inp.length - 1];
    }
    if (f > 0 && first === 0) first = f;
    forward += f;
  }
  return {
    apply: (x) => model.apply(x, { training: true }) as tf.Tensor,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    forwardFlops: forward,
    trainFlops: 3 * forward - first,
    dispose: () => model.dispose(),
  };
}

export const networks: BenchNetwork[] = [reference];
