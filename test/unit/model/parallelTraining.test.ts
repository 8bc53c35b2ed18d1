/**
 * Data-parallel training on tensor threads equals single-thread training of the same global batch: losses and
 * weights after 5 steps of each stage, with even, uneven and partly idle shards (synchronised batch norm), and
 * every thread ends with bit-identical weights. A thread that fails releases the others with an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../libs/model/backend.js';
import { TensorThreadPool, shardRanges } from '../../../libs/model/parallel/pool.js';
import { ParallelStageTrainer } from '../../../libs/model/parallel/stageTrainer.js';
import { StageTrainer } from '../../../libs/pipeline/train/index.js';
import { resolveModelConfig } from '../../../libs/model/config.js';
import { MixedModel } from '../../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../../libs/model/normalization.js';
import { TINY, grid, randomSamples, rng, tinyModel } from './helpers.js';

const samples16 = randomSamples(resolveModelConfig(TINY), 16, 7, 12);
const stats16 = (() => {
  const fit = new NormalizationFitter(true);
  samples16.forEach((s) => fit.add(s));
  return fit.finish();
})();

let pool: TensorThreadPool;

beforeAll(async () => {
  await selectBackend('wasm');
  pool = await TensorThreadPool.start({ threads: 2, backend: 'wasm', timeoutMs: 30_000 });
}, 60_000);

afterAll(() => pool.close());

/** Five steps with even, uneven and partly idle shards on 2 threads (batches of 3, 2, 1, 3, 2). */
const unevenBatches = <T>(samples: T[]) => [
  samples.slice(0, 3),
  samples.slice(3, 5),
  samples.slice(5, 6),
  samples.slice(1, 4),
  samples.slice(2, 4),
];

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);

test('shards are contiguous and as even as possible', () => {
  expect(shardRanges(5, 2)).toEqual([
    [0, 3],
    [3, 5],
  ]);
  expect(shardRanges(1, 3)).toEqual([
    [0, 1],
    [1, 1],
    [1, 1],
  ]);
});

test('the pool reports its threads and their backend', () => {
  expect(pool.threads).toBe(2);
  expect(pool.backends.map((b) => b.name)).toEqual(['wasm', 'wasm']);
  expect(pool.describe()).toMatch(/^2 tensor threads, each wasm/);
});

test.each(['bc', 'uq', 'mixed'] as const)(
  'stage %s: 2 threads give the single-thread losses and weights after 5 steps (batches of 3, 2, 1; lr 2e-3 as the recipe)',
  async (stage) => {
    // A fixed start: tfjs's glorot initialisers draw from Math.random. Over 40 random starts (seeds 1-40 of
    // rng(seed * 7919 + 13), session 7) the weight check below failed once (seed 19, stage bc: 3.1e-3 on the
    // zero-initialised LCN kernel), on the code before and after the session-6 thread changes alike (their
    // results are bit-identical for each start), so an unseeded start made this test fail ~2.5 % of CI runs.
    // The start is seed 1 of those 40 (declared, not searched; the worst of the other 39 starts was 3.3e-4).
    const realRandom = Math.random;
    Math.random = rng(1 * 7919 + 13);
    const { model, samples } = (() => {
      try {
        return tinyModel(7, 12, 6);
      } finally {
        Math.random = realRandom;
      }
    })();
    const before = tf.memory().numTensors;
    await pool.loadModel(model); // same starting weights on both sides
    const batches = unevenBatches(samples);
    await pool.beginStage(stage, 2e-3);
    const parallel: number[] = [];
    for (const b of batches) parallel.push(await pool.step(b));

    const trainer = new StageTrainer(model, { stage, learningRate: 2e-3 });
    const single: number[] = [];
    for (const b of batches) single.push(await trainer.step(b));
    trainer.dispose();

    for (let i = 0; i < single.length; i++) expect(relDiff(parallel[i], single[i])).toBeLessThan(1e-4);
    const [w0, w1] = await pool.threadWeights();
    const differing = w0.flatMap((w, i) => (w.every((v, k) => Object.is(v, w1[i][k])) ? [] : [i]));
    expect(differing).toEqual([]);
    // Weights (trainable and batch-norm moving statistics) agree with the single-thread run.
    const ref = [...model.bc.getWeights(), ...model.uq.getWeights()].map((w) => w.dataSync());
    let worst = 0;
    ref.forEach((r, i) => {
      let scale = 1e-3;
      for (const v of r) scale = Math.max(scale, Math.abs(v));
      for (let k = 0; k < r.length; k++) worst = Math.max(worst, Math.abs(r[k] - w0[i][k]) / scale);
    });
    // Adam divides by √v, so float-rounding differences in near-zero gradients (the summation order differs
    // between one thread and two) are amplified up to the step size; at the recipe's lr 2e-3 measured 1e-6…5e-5
    // over random inits (losses 5e-8…5e-7). The losses (above) are the acceptance criterion at 1e-4.
    expect(worst).toBeLessThan(1e-3);
    await pool.endStage();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  },
  60_000,
);

test('2 threads are reproducible bitwise: the same start weights and batches twice give the same losses and weights (a thread reading a shared buffer while another rewrites it would show here)', async () => {
  const { model, samples } = tinyModel(7, 12, 6);
  const batches = unevenBatches(samples);
  const runs: { losses: number[]; weights: Float32Array[] }[] = [];
  for (let rep = 0; rep < 2; rep++) {
    await pool.loadModel(model);
    await pool.beginStage('mixed', 2e-3);
    const losses: number[] = [];
    for (const b of batches) losses.push(await pool.step(b));
    runs.push({ losses, weights: (await pool.threadWeights())[0] });
    await pool.endStage();
  }
  expect(runs[1].losses).toEqual(runs[0].losses);
  const [a, b] = runs.map((r) => r.weights);
  expect(a.flatMap((w, i) => (w.every((v, k) => Object.is(v, b[i][k])) ? [] : [i]))).toEqual([]);
  model.dispose();
}, 60_000);

test('pullWeights brings the threads’ weights into the main model; predict spreads samples in order', async () => {
  const { model, samples } = tinyModel(7, 12, 5);
  await pool.loadModel(model);
  await pool.beginStage('bc', 0.05);
  await pool.step(samples.slice(0, 4));
  await pool.endStage();
  await pool.pullWeights(model);
  const fromPool = await pool.predict(samples, 2);
  const local = await model.predict(samples);
  expect(fromPool).toHaveLength(5);
  fromPool.forEach((f, i) => {
    for (let k = 0; k < f.mu[0].length; k++) {
      expect(f.mu[0][k]).toBeCloseTo(local[i].mu[0][k], 4);
      expect(f.sigma[0][k]).toBeCloseTo(local[i].sigma[0][k], 4);
    }
  });
  model.dispose();
});

test('predict hands out batches to whichever thread is free: same results in input order for any batch size', async () => {
  const { model, samples } = tinyModel(7, 12, 7);
  await pool.loadModel(model);
  const local = await model.predict(samples);
  for (const batchSize of [1, 3, 7]) {
    const fromPool = await pool.predict(samples, batchSize);
    expect(fromPool).toHaveLength(samples.length);
    fromPool.forEach((f, i) => {
      for (let k = 0; k < f.mu[0].length; k++) {
        expect(f.mu[0][k]).toBeCloseTo(local[i].mu[0][k], 4);
        expect(f.sigma[0][k]).toBeCloseTo(local[i].sigma[0][k], 4);
      }
    });
  }
  // One sample per request: each sample's forecast does not depend on the thread that ran it.
  const a = await pool.predict(samples, 1);
  const b = await pool.predict(samples, 1);
  a.forEach((f, i) => expect(f.mu[0].every((v, k) => Object.is(v, b[i].mu[0][k]))).toBe(true));
  await expect(pool.predict(samples, 0)).rejects.toThrow(/batch size must be an integer >= 1/);
  model.dispose();
});

test('ParallelStageTrainer driven like the training loop (lr decay, validation, restore between stages) equals StageTrainer', async () => {
  const { model: a, samples } = tinyModel(7, 12, 6);
  const { model: b } = tinyModel(7, 12, 6);
  b.bc.setWeights(a.bc.getWeights());
  b.uq.setWeights(a.uq.getWeights());
  await pool.loadModel(b);
  const run = async (m: typeof a, parallel: boolean) => {
    const out: number[] = [];
    for (const stage of ['bc', 'uq'] as const) {
      const tr = parallel
        ? new ParallelStageTrainer(pool, m, { stage, learningRate: 2e-3 })
        : new StageTrainer(m, { stage, learningRate: 2e-3 });
      const start = [...m.bc.getWeights(), ...m.uq.getWeights()].map((w) => w.clone());
      for (let epoch = 0; epoch < 2; epoch++) {
        tr.setLearningRate(2e-3 * 0.7 ** epoch);
        for (let s = 0; s < 4; s += 2) out.push(await tr.step(samples.slice(s, s + 2)));
        const v = await tr.validate(samples.slice(4), 2);
        out.push(v.crpsScaled, v.rmseScaled);
      }
      tr.dispose();
      if (stage === 'bc') {
        // Keep the first stage's result but restore the UQ net (as trainModel restores the best epoch).
        const nb = m.bc.getWeights().length;
        m.uq.setWeights(start.slice(nb));
      }
      tf.dispose(start);
    }
    return out;
  };
  const single = await run(a, false);
  const parallel = await run(b, true);
  single.forEach((x, i) => expect(relDiff(parallel[i], x)).toBeLessThan(1e-4));
  a.dispose();
  b.dispose();
}, 60_000);

test('1 tensor thread (epp train --threads 1 on wasm) through the training loop equals StageTrainer: losses, validation, and the weights and batch-norm moving statistics validation used', async () => {
  const make = () => MixedModel.create(resolveModelConfig(TINY), stats16, grid(7, 12), { seed: 3 });
  const a = make();
  const b = make();
  const p1 = await TensorThreadPool.start({ threads: 1, backend: 'wasm', timeoutMs: 30_000 });
  try {
    await p1.loadModel(b);
    const single = new StageTrainer(a, { stage: 'bc', learningRate: 2e-3 });
    const pooled = new ParallelStageTrainer(p1, b, { stage: 'bc', learningRate: 2e-3 });
    for (let epoch = 0; epoch < 2; epoch++) {
      single.setLearningRate(2e-3 * 0.7 ** epoch);
      pooled.setLearningRate(2e-3 * 0.7 ** epoch);
      for (let s = 0; s < 12; s += 2) {
        const [la, lb] = [
          await single.step(samples16.slice(s, s + 2)),
          await pooled.step(samples16.slice(s, s + 2)),
        ];
        expect(relDiff(lb, la)).toBeLessThan(1e-4);
      }
      const va = await single.validate(samples16.slice(12), 2);
      const vb = await pooled.validate(samples16.slice(12), 2);
      expect(relDiff(vb.crpsScaled, va.crpsScaled)).toBeLessThan(1e-4);
      expect(relDiff(vb.rmseScaled, va.rmseScaled)).toBeLessThan(1e-4);
      // The main model (what validation's snapshot and checkpoint keep) holds the thread's weights, bit for bit.
      const main = [...b.bc.getWeights(), ...b.uq.getWeights()].map((w) => w.dataSync());
      const [thread] = await p1.threadWeights();
      expect(main.flatMap((w, i) => (w.every((v, k) => Object.is(v, thread[i][k])) ? [] : [i]))).toEqual([]);
      // Moving means and variances as tfjs-layers' batch norm leaves them (the same float tolerance as above).
      const ref = [...a.bc.weights, ...a.uq.weights];
      ref.forEach((w, i) => {
        if (!/moving/.test(w.originalName)) return;
        const r = w.read().dataSync();
        let scale = 1e-3;
        for (const v of r) scale = Math.max(scale, Math.abs(v));
        for (let k = 0; k < r.length; k++) expect(Math.abs(r[k] - main[i][k]) / scale).toBeLessThan(1e-4);
      });
    }
    single.dispose();
    pooled.dispose();
  } finally {
    await p1.close();
    a.dispose();
    b.dispose();
  }
}, 60_000);

test('a thread that fails mid-step releases the other with an error instead of a hang', async () => {
  const { model, samples } = tinyModel(7, 12, 2);
  const other = tinyModel(5, 12, 1).samples[0]; // wrong grid: thread 1's encoder refuses it
  const p = await TensorThreadPool.start({ threads: 2, timeoutMs: 20_000 });
  try {
    await p.loadModel(model);
    await p.beginStage('bc', 0.01);
    await expect(p.step([samples[0], other])).rejects.toThrow(/grid 5×12 differs|aborted/);
    await expect(p.step(samples)).rejects.toThrow(/failed earlier/);
  } finally {
    await p.close();
    model.dispose();
  }
}, 60_000);

test('a profiling pool records each step’s phases and barrier stretches, and its losses are the same', async () => {
  const { model, samples } = tinyModel(7, 12, 4);
  const p = await TensorThreadPool.start({ threads: 2, backend: 'wasm', timeoutMs: 30_000, profile: true });
  try {
    const losses: number[][] = [];
    for (const q of [pool, p]) {
      await q.loadModel(model);
      await q.beginStage('bc', 2e-3);
      losses.push([await q.step(samples.slice(0, 2)), await q.step(samples.slice(2, 4))]);
      await q.endStage();
    }
    expect(losses[1]).toEqual(losses[0]);
    const { threads, main } = await p.profiles();
    expect(threads).toHaveLength(2);
    const steps = threads.map((t) => t.filter((r) => r.type === 'step'));
    expect(steps.map((s) => s.length)).toEqual([2, 2]);
    for (const [rank, s] of steps.entries())
      for (const r of s) {
        expect(r.rank).toBe(rank);
        for (const ph of ['inputs', 'forwardBackward', 'reduce', 'adam'])
          expect(r.phases[ph].wallMs).toBeGreaterThanOrEqual(0);
        expect(r.phases.forwardBackward.cpuMs).toBeGreaterThan(0);
        expect(r.endMs).toBeGreaterThanOrEqual(r.startMs);
      }
    // Both threads pass the same barriers (the batch-norm all-reduces' and the gradient reduction's).
    expect(steps[0][0].segments.length).toBe(steps[1][0].segments.length);
    expect(steps[0][0].segments.length).toBeGreaterThan(2);
    expect(main.filter((m) => m.type === 'step')).toHaveLength(2);
    expect((await p.profiles()).threads.flat()).toEqual([]); // forgotten once read
  } finally {
    await p.close();
    model.dispose();
  }
}, 60_000);
