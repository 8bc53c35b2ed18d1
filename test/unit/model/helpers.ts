/** Shared fixtures for the model tests: cpu backend, a small random configuration and random samples. */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { resolveModelConfig, type ModelConfig } from '../../../libs/model/config.js';
import { featurize, type RawSample } from '../../../libs/model/features.js';
import { NormalizationFitter } from '../../../libs/model/normalization.js';
import { MixedModel, type ModelGrid } from '../../../libs/model/mixedModel.js';
import { rng } from '../../helpers/random.js';

export { rng };

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export const TINY: Partial<ModelConfig> = {
  targets: ['t850'],
  predictors: ['t'],
  levels: [850],
  leads: [0, 48],
  members: 3,
  bcFilters: 4,
  bcLevels: 1,
  uqFilters: 4,
  uqBlocks: 1,
  uqBranchFilters: 2,
  lonHalo: 2,
};

export function grid(ny: number, nx: number): ModelGrid {
  return {
    ny,
    nx,
    latitudes: Array.from({ length: ny }, (_, i) => 90 - (180 * i) / (ny - 1)),
    longitudes: Array.from({ length: nx }, (_, j) => (360 * j) / nx),
    periodic: true,
  };
}

/** Random samples where the truth = member mean + a fixed bias pattern + noise (learnable). */
export function randomSamples(cfg: ModelConfig, n: number, ny: number, nx: number, seed = 1): RawSample[] {
  const r = rng(seed);
  const npts = ny * nx;
  const K = cfg.predictors.length * cfg.levels.length;
  const k = cfg.members;
  return Array.from({ length: n }, () => {
    const base = Float32Array.from({ length: npts }, (_, p) => 280 + 10 * Math.sin(p / 7) + 3 * r());
    const ens = cfg.leads.map(() =>
      Array.from({ length: K }, () =>
        Float32Array.from({ length: k * npts }, (_, q) => base[q % npts] + 2 * (r() - 0.5)),
      ),
    );
    const analysis = Array.from({ length: K }, () => Float32Array.from(base, (v) => v + r() - 0.5));
    const truth = cfg.targets.map(() =>
      Float32Array.from(base, (v, p) => v + 1.5 * Math.cos(p / 5) + (r() - 0.5)),
    );
    return featurize({ ny, nx, ens, analysis, truth }, cfg);
  });
}

export function tinyModel(ny = 7, nx = 12, n = 6, overrides: Partial<ModelConfig> = {}) {
  const cfg = resolveModelConfig({ ...TINY, ...overrides });
  const samples = randomSamples(cfg, n, ny, nx);
  const fit = new NormalizationFitter(true);
  samples.forEach((s) => fit.add(s));
  const model = MixedModel.create(cfg, fit.finish(), grid(ny, nx));
  return { cfg, samples, model };
}

/** Replace every weight by a random one (moving variances positive) so that no layer is a no-op. */
export function randomizeWeights(net: LayersModel, seed: number): void {
  const r = rng(seed);
  for (const layer of net.layers) {
    const ws = layer.getWeights();
    if (!ws.length) continue;
    const names = layer.weights.map((w) => w.originalName);
    const fresh = ws.map((w, i) => {
      const n = w.size;
      const positive = /moving_variance|gamma/.test(names[i]);
      const v = Float32Array.from({ length: n }, () => (positive ? 0.5 + r() : (r() - 0.5) * 0.6));
      return tf.tensor(v, w.shape);
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  }
}
