/**
 * `npm run -s bench -- grid025 [--json] [--ny 721] [--nx 1440] [--runs 2] [--network recipe|default]`
 *
 * The mixed model (BC + UQ) on one global 0.25° field (1440 × 721 ≈ 1.04 M points), untiled, on wasm in this
 * thread: random weights (timing and memory do not depend on them), synthetic inputs of the model's member subset
 * (5 members × 3 leads × 4 predictor fields — what a hyperslab read of the subset delivers; the other 46 of 51
 * members are never read). Reports the time per field (median of `--runs` after one warm-up), the peak RSS of
 * the process, and the sizes involved. The load average is printed with the figures.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { median, peakRssMiB, printResults } from '../report.js';
import { selectBackend } from '../../libs/model/backend.js';
import { countParams } from '../../libs/model/bcNet.js';
import { resolveModelConfig, type ModelConfig } from '../../libs/model/config.js';
import { featurize } from '../../libs/model/features.js';
import { MixedModel } from '../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';

const RECIPE: Partial<ModelConfig> = {
  bcFilters: 16,
  bcLevels: 2,
  uqFilters: 8,
  uqBlocks: 1,
  uqBranchFilters: 4,
};

function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const ny = Number(arg(argv, 'ny', '721'));
  const nx = Number(arg(argv, 'nx', '1440'));
  const runs = Number(arg(argv, 'runs', '2'));
  const network = arg(argv, 'network', 'recipe');
  const load0 = os.loadavg()[0];
  await selectBackend('wasm');
  const cfg = resolveModelConfig(network === 'recipe' ? RECIPE : {});
  const n = ny * nx;
  const K = cfg.predictors.length * cfg.levels.length;
  const t0 = performance.now();
  const raw = featurize(
    {
      ny,
      nx,
      ens: cfg.leads.map((_, l) =>
        Array.from({ length: K }, (_, k) =>
          Float32Array.from(
            { length: cfg.members * n },
            (_, q) => 250 + 10 * Math.sin(q / 997 + k + l) + (q % 7),
          ),
        ),
      ),
      truth: cfg.targets.map((_, t) =>
        Float32Array.from({ length: n }, (_, q) => 251 + Math.sin(q / 983 + t)),
      ),
      analysis: Array.from({ length: K }, (_, k) =>
        Float32Array.from({ length: n }, (_, q) => 250 + Math.cos(q / 991 + k)),
      ),
    },
    cfg,
  );
  const inputSeconds = (performance.now() - t0) / 1000;
  const fit = new NormalizationFitter(true);
  fit.add(raw);
  const grid = {
    ny,
    nx,
    latitudes: Array.from({ length: ny }, (_, i) => 90 - (180 * i) / (ny - 1)),
    longitudes: Array.from({ length: nx }, (_, j) => (360 * j) / nx),
    periodic: true,
  };
  const model = MixedModel.create(cfg, fit.finish(), grid);
  const ms: number[] = [];
  let sigmaMin = Infinity;
  for (let r = 0; r <= runs; r++) {
    const t = performance.now();
    const [f] = await model.predict([raw]);
    if (r > 0) ms.push(performance.now() - t);
    for (const s of f.sigma) for (const v of s) sigmaMin = Math.min(sigmaMin, v);
  }
  const params = { bc: countParams(model.bc), uq: countParams(model.uq) };
  const { height, width } = model.encoder.padding;
  model.dispose();
  const json = {
    network,
    grid: { ny, nx, points: n, padded: [height, width] },
    params,
    subsetInputMiB: (cfg.leads.length * K * cfg.members * n * 4) / 2 ** 20,
    full51MemberFieldMiB: (51 * n * 4) / 2 ** 20,
    inputBuildSeconds: inputSeconds,
    secondsPerField: median(ms) / 1000,
    runs: ms.map((m) => m / 1000),
    sigmaMin,
    numTensorsAfter: tf.memory().numTensors,
    peakRssMiB: await peakRssMiB(),
    loadAverage1m: { before: load0, after: os.loadavg()[0], cpus: os.cpus().length },
  };
  printResults(
    json,
    {
      header: ['grid', 'points', 'BC+UQ s/field', 'peak RSS MiB', 'goal ≤ 4096 MiB', 'load 1m'],
      rows: [
        [
          `${ny}×${nx}`,
          n,
          json.secondsPerField,
          json.peakRssMiB,
          json.peakRssMiB <= 4096 ? 'yes' : 'NO',
          json.loadAverage1m.after,
        ],
      ],
    },
    asJson,
  );
}
