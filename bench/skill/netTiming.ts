/**
 * Time one training step and one forward pass of the BC and UQ networks on the 61 × 120 grid (padded to
 * 64 × 128) on the selected backend: `node dist/bench/skill/netTiming.js [wasm|cpu] [bcFilters] [uqFilters] [uqBlocks] [branch] [levels]`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendKind } from '../../libs/model/backend.js';
import { countParams } from '../../libs/model/bcNet.js';
import { resolveModelConfig, type ModelConfig } from '../../libs/model/config.js';
import { featurize } from '../../libs/model/features.js';
import { MixedModel } from '../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';
import { StageTrainer } from '../../libs/pipeline/train/index.js';

export async function timeNetworks(backend: BackendKind, overrides: Partial<ModelConfig>) {
  await selectBackend(backend);
  const cfg = resolveModelConfig(overrides);
  const ny = 61;
  const nx = 120;
  const n = ny * nx;
  const K = cfg.predictors.length * cfg.levels.length;
  const mk = (seed: number) =>
    featurize(
      {
        ny,
        nx,
        ens: cfg.leads.map(() =>
          Array.from({ length: K }, () =>
            Float32Array.from({ length: cfg.members * n }, (_, i) => Math.sin(i * seed)),
          ),
        ),
        analysis: Array.from({ length: K }, () =>
          Float32Array.from({ length: n }, (_, i) => Math.cos(i * seed)),
        ),
        truth: cfg.targets.map(() => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed + 1))),
      },
      cfg,
    );
  const samples = [mk(0.1), mk(0.2)];
  const fit = new NormalizationFitter(true);
  samples.forEach((s) => fit.add(s));
  const grid = {
    ny,
    nx,
    latitudes: Array.from({ length: ny }, (_, i) => 90 - 3 * i),
    longitudes: Array.from({ length: nx }, (_, j) => 3 * j),
    periodic: true,
  };
  const model = MixedModel.create(cfg, fit.finish(), grid);
  const out: Record<string, number> = { bcParams: countParams(model.bc), uqParams: countParams(model.uq) };
  for (const stage of ['bc', 'uq'] as const) {
    const tr = new StageTrainer(model, { stage, learningRate: 1e-3 });
    await tr.step(samples);
    const t = performance.now();
    for (let i = 0; i < 3; i++) await tr.step(samples);
    out[`${stage}StepMsPerSample`] = (performance.now() - t) / 3 / samples.length;
    tr.dispose();
  }
  await model.predict(samples.slice(0, 1));
  const t = performance.now();
  for (let i = 0; i < 3; i++) await model.predict(samples.slice(0, 1));
  out.predictMsPerSample = (performance.now() - t) / 3;
  model.dispose();
  out.numTensors = tf.memory().numTensors;
  return out;
}

if (process.argv[1]?.endsWith('netTiming.js')) {
  const [b = 'wasm', bf = '32', uf = '32', ub = '2', br = '8', lv = '2'] = process.argv.slice(2);
  const r = await timeNetworks(b as BackendKind, {
    bcFilters: +bf,
    uqFilters: +uf,
    uqBlocks: +ub,
    uqBranchFilters: +br,
    bcLevels: +lv,
  });
  console.log(JSON.stringify(r));
}
