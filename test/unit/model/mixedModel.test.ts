import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelError } from '../../../libs/contracts/errors.js';
import { countParams } from '../../../libs/model/bcNet.js';
import { loadModelFolder, saveModelFolder } from '../../../libs/model/folder.js';
import { StageTrainer } from '../../../libs/pipeline/train/index.js';
import { tinyModel, useCpu } from './helpers.js';

beforeAll(useCpu);

test('networks map the padded grid to [b, ny, nx, T]; untrained μ is the subset mean, σ > 0', async () => {
  const { model, samples } = tinyModel(7, 12, 3, { targets: ['t850'] });
  const before = tf.memory().numTensors;
  expect(model.encoder.padding.height).toBe(8); // 7 → multiple of 2
  expect(model.encoder.padding.width).toBe(16); // 12 + 2·2 halo
  const t = model.batchTensors(samples.slice(0, 2));
  const r = model.bcResidual(t.bc, false);
  const s = model.uqSigma(t.uq, t.spread, false);
  expect(r.shape).toEqual([2, 7, 12, 1]);
  expect(s.shape).toEqual([2, 7, 12, 1]);
  tf.dispose([t.bc, t.uq, t.spread, r, s]);
  const [f] = await model.predict(samples.slice(0, 1));
  expect(Array.from(f.mu[0])).toEqual(Array.from(samples[0].targetMean[0])); // LCN is zero-initialised
  expect(Math.min(...f.sigma[0])).toBeGreaterThan(0);
  expect(tf.memory().numTensors).toBe(before);
  expect(countParams(model.bc)).toBeGreaterThan(0);
  model.dispose();
});

test.each(['bc', 'uq', 'mixed'] as const)(
  'stage %s: loss decreases over a few steps, no tensors leak',
  async (stage) => {
    const { model, samples } = tinyModel(7, 12, 4);
    const before = tf.memory().numTensors;
    const trainer = new StageTrainer(model, { stage, learningRate: 0.02 });
    const losses: number[] = [];
    for (let e = 0; e < 12; e++) losses.push(await trainer.step(samples.slice(0, 2)));
    const v = await trainer.validate(samples.slice(2));
    trainer.dispose();
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(v.crps[0]).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  },
);

test('setLearningRate changes the step size of the next updates; a rate ≤ 0 is refused', async () => {
  const { model, samples } = tinyModel(7, 12, 2);
  const trainer = new StageTrainer(model, { stage: 'bc', learningRate: 0.02 });
  const change = async () => {
    // Trainable weights only: batch-norm moving statistics change whatever the step size.
    const weights = () => model.bc.trainableWeights.map((w) => w.read().dataSync().slice());
    const w0 = weights();
    await trainer.step(samples.slice(0, 2));
    const w1 = weights();
    return Math.max(...w0.map((a, i) => Math.max(...a.map((x, j) => Math.abs(w1[i][j] - x)))));
  };
  const big = await change();
  trainer.setLearningRate(2e-5);
  const small = await change();
  // Adam's update is ≈ lr per weight, so 1000× smaller lr → far smaller largest change.
  expect(small).toBeLessThan(big / 100);
  expect(small).toBeGreaterThan(0);
  expect(() => trainer.setLearningRate(0)).toThrow(/learning rate/);
  trainer.dispose();
  model.dispose();
});

test('save/load round trip gives identical predictions; a tampered file is refused', async () => {
  const { model, samples } = tinyModel(7, 12, 3);
  const trainer = new StageTrainer(model, { stage: 'mixed', learningRate: 0.01 });
  await trainer.step(samples.slice(0, 2));
  trainer.dispose();
  const dir = mkdtempSync(path.join(tmpdir(), 'epp-model-'));
  try {
    const manifest = await saveModelFolder(dir, model);
    expect(Object.keys(manifest.files).sort()).toEqual(
      ['bc.json', 'bc.weights.bin', 'las.bin', 'normalization.json', 'uq.json', 'uq.weights.bin'].sort(),
    );
    const before = tf.memory().numTensors;
    const { model: loaded } = await loadModelFolder(dir);
    const [a] = await model.predict(samples.slice(0, 1));
    const [b] = await loaded.predict(samples.slice(0, 1));
    expect(Array.from(b.mu[0])).toEqual(Array.from(a.mu[0]));
    expect(Array.from(b.sigma[0])).toEqual(Array.from(a.sigma[0]));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const w = path.join(dir, 'uq.weights.bin');
    const bytes = readFileSync(w);
    bytes[0] ^= 0xff;
    writeFileSync(w, bytes);
    await expect(loadModelFolder(dir)).rejects.toThrow(ModelError);
    await expect(loadModelFolder(dir)).rejects.toThrow(/uq\.weights\.bin does not match its SHA-256/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    model.dispose();
  }
});
