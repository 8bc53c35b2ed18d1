/**
 * A small conv–BN–ReLU–pool–upsample–conv network trained for a few steps from the same weights on wasm and on
 * cpu: the losses agree within 1e-4 relative, and training leaves no tensor behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../libs/model/backend.js';
import { randomArray, relativeError } from './helpers.js';

const [B, H, W, C] = [2, 8, 8, 3];
const STEPS = 5;

function buildNet(): tfl.LayersModel {
  const net = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [H, W, C], filters: 4, kernelSize: 3, padding: 'same' }),
      tfl.layers.batchNormalization(),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 1, padding: 'same', activation: 'softplus' }),
    ],
  });
  // Same starting point on every backend: weights from a seeded generator.
  const start = net.getWeights().map((w, i) => tf.tensor(randomArray(w.size, 500 + i, -0.5, 0.5), w.shape));
  net.setWeights(start);
  tf.dispose(start);
  net.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  return net;
}

async function train(backend: 'wasm' | 'cpu'): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await selectBackend(backend);
  const before = tf.memory().numTensors;
  const net = buildNet();
  const x = tf.tensor4d(randomArray(B * H * W * C, 1), [B, H, W, C]);
  const y = tf.tensor4d(randomArray(B * H * W * 2, 2, 0, 1), [B, H, W, 2]);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) losses.push((await net.trainOnBatch(x, y)) as number);
  const weights = net.getWeights().map((w) => w.dataSync() as Float32Array);
  tf.dispose([x, y]);
  net.dispose();
  net.optimizer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return { losses, weights };
}

it('trains to the same losses and weights on wasm and cpu', async () => {
  const cpu = await train('cpu');
  const wasm = await train('wasm');
  expect(cpu.losses[STEPS - 1]).toBeLessThan(cpu.losses[0]);
  for (let s = 0; s < STEPS; s++) {
    expect(Math.abs(wasm.losses[s] - cpu.losses[s]) / Math.abs(cpu.losses[s])).toBeLessThanOrEqual(1e-4);
  }
  wasm.weights.forEach((w, i) => expect(relativeError(w, cpu.weights[i])).toBeLessThanOrEqual(1e-4));
});
