/**
 * `npm run -s bench -- threads [--json] [--threads 1,2] [--steps 5] [--network recipe|default] [--predict 8]`
 *
 * Data-parallel training and parallel inference of the mixed model on tensor threads (libs/model/parallel),
 * side by side with the single-thread path (StageTrainer / MixedModel.predict in this thread), on the 3° global
 * grid (61 × 120, padded to 64 × 128) with batch 2 — the default recipe's shape (scripts/train-default.sh:
 * `--network recipe`) or the library defaults (`--network default`). Every run starts from the same weights;
 * the losses of the 5 steps are compared with the single-thread ones (relative difference). Timings are the
 * median step after one warm-up step; the load average is printed with them (the machine is shared).
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { arg, networkConfig, numberListArg } from '../common/args.js';
import { median, peakRssMiB, printResults } from '../report.js';
import { selectBackend } from '../../libs/model/backend.js';
import { countParams } from '../../libs/model/bcNet.js';
import type { ModelConfig } from '../../libs/model/config.js';
import { featurize, type RawSample } from '../../libs/model/features.js';
import { MixedModel } from '../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';
import { TensorThreadPool } from '../../libs/model/parallel/pool.js';
import type { TrainStage } from '../../libs/model/stageLoss.js';
import { StageTrainer } from '../../libs/pipeline/train/index.js';

/** Deterministic pseudo-random fields (mulberry32) with some structure, so BN moments and losses are not trivial. */
function samples(cfg: ModelConfig, n: number, ny = 61, nx = 120): RawSample[] {
  let a = 12345;
  const r = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const npts = ny * nx;
  const K = cfg.predictors.length * cfg.levels.length;
  return Array.from({ length: n }, (_, s) => {
    const base = Float32Array.from({ length: npts }, (_, p) => 10 * Math.sin(p / 37 + s) + 3 * r());
    const ens = cfg.leads.map(() =>
      Array.from({ length: K }, (_, k) =>
        Float32Array.from(
          { length: cfg.members * npts },
          (_, q) => (k + 1) * base[q % npts] + 2 * (r() - 0.5),
        ),
      ),
    );
    const analysis = Array.from({ length: K }, (_, k) =>
      Float32Array.from(base, (v) => (k + 1) * v + r() - 0.5),
    );
    const truth = cfg.targets.map(() =>
      Float32Array.from(base, (v, p) => v + 1.5 * Math.cos(p / 5) + r() - 0.5),
    );
    return featurize({ ny, nx, ens, analysis, truth }, cfg);
  });
}

function grid(ny = 61, nx = 120) {
  return {
    ny,
    nx,
    latitudes: Array.from({ length: ny }, (_, i) => 90 - 3 * i),
    longitudes: Array.from({ length: nx }, (_, j) => 3 * j),
    periodic: true,
  };
}

interface StageTiming {
  stepMs: number;
  losses: number[];
}

async function timeSteps(
  step: (b: RawSample[]) => Promise<number>,
  batches: RawSample[][],
): Promise<StageTiming> {
  const ms: number[] = [];
  const losses: number[] = [];
  await step(batches[0]); // warm-up (kernel set-up, allocation); its loss is not compared
  for (const b of batches.slice(1)) {
    const t = performance.now();
    losses.push(await step(b));
    ms.push(performance.now() - t);
  }
  return { stepMs: median(ms), losses };
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const threadCounts = numberListArg(argv, 'threads', '1,2');
  const steps = Number(arg(argv, 'steps', '5'));
  const nPredict = Number(arg(argv, 'predict', '8'));
  const network = arg(argv, 'network', 'recipe');
  await selectBackend('wasm');
  const cfg = networkConfig(network);
  const data = samples(cfg, 2 * (steps + 1));
  const fit = new NormalizationFitter(true);
  data.forEach((s) => fit.add(s));
  const stats = fit.finish();
  const batches = Array.from({ length: steps + 1 }, (_, i) => data.slice(2 * i, 2 * i + 2));
  const initial = MixedModel.create(cfg, stats, grid());
  const initialWeights = [...initial.bc.getWeights(), ...initial.uq.getWeights()].map((w) => w.clone());
  const fresh = () => {
    const m = MixedModel.create(cfg, stats, grid());
    const nb = m.bc.getWeights().length;
    m.bc.setWeights(initialWeights.slice(0, nb));
    m.uq.setWeights(initialWeights.slice(nb));
    return m;
  };
  const load0 = os.loadavg()[0];
  const stages: TrainStage[] = ['bc', 'uq'];
  const results: Record<string, Record<string, StageTiming & { maxLossRelDiff?: number }>> = {};
  const predictRate: Record<string, number> = {};
  for (const n of threadCounts) {
    const key = `${n}`;
    results[key] = {};
    if (n === 1) {
      // The single-thread path as `epp train` runs it without --threads.
      for (const stage of stages) {
        const m = fresh();
        const tr = new StageTrainer(m, { stage, learningRate: 2e-3 });
        results[key][stage] = await timeSteps((b) => tr.step(b), batches);
        tr.dispose();
        m.dispose();
      }
      const m = fresh();
      await m.predict(data.slice(0, 1));
      const t = performance.now();
      for (let i = 0; i < nPredict; i++) await m.predict(data.slice(i % data.length, (i % data.length) + 1));
      predictRate[key] = nPredict / ((performance.now() - t) / 1000);
      m.dispose();
      continue;
    }
    const pool = await TensorThreadPool.start({ threads: n, backend: 'wasm' });
    try {
      for (const stage of stages) {
        const m = fresh();
        await pool.loadModel(m);
        await pool.beginStage(stage, 2e-3);
        results[key][stage] = await timeSteps((b) => pool.step(b), batches);
        await pool.endStage();
        m.dispose();
      }
      const m = fresh();
      await pool.loadModel(m);
      const req = Array.from({ length: nPredict }, (_, i) => data[i % data.length]);
      await pool.predict(req.slice(0, n));
      const t = performance.now();
      await pool.predict(req, 1);
      predictRate[key] = nPredict / ((performance.now() - t) / 1000);
      m.dispose();
    } finally {
      await pool.close();
    }
  }
  const base = results['1'];
  if (base)
    for (const [key, byStage] of Object.entries(results))
      for (const stage of stages) {
        const r = byStage[stage];
        r.maxLossRelDiff = Math.max(
          ...r.losses.map((l, i) => Math.abs(l - base[stage].losses[i]) / Math.abs(base[stage].losses[i])),
        );
        void key;
      }
  const load1 = os.loadavg()[0];
  const probe = fresh();
  const json = {
    network,
    config: {
      bcFilters: cfg.bcFilters,
      bcLevels: cfg.bcLevels,
      uqFilters: cfg.uqFilters,
      uqBlocks: cfg.uqBlocks,
    },
    params: { bc: countParams(probe.bc), uq: countParams(probe.uq) },
    grid: '61 x 120 (padded 64 x 128), batch 2',
    steps,
    results,
    predictSamplesPerSecond: predictRate,
    speedup: Object.fromEntries(
      Object.keys(results).map((k) => [
        k,
        {
          bcStep: base ? base.bc.stepMs / results[k].bc.stepMs : null,
          uqStep: base ? base.uq.stepMs / results[k].uq.stepMs : null,
          predict: predictRate['1'] ? predictRate[k] / predictRate['1'] : null,
        },
      ]),
    ),
    loadAverage1m: { before: load0, after: load1, cpus: os.cpus().length },
    peakRssMiB: await peakRssMiB(),
  };
  probe.dispose();
  tf.dispose(initialWeights);
  initial.dispose();
  const rows = Object.keys(results).map((k) => [
    k,
    results[k].bc.stepMs,
    results[k].uq.stepMs,
    predictRate[k],
    json.speedup[k].bcStep ?? NaN,
    json.speedup[k].uqStep ?? NaN,
    json.speedup[k].predict ?? NaN,
    Math.max(results[k].bc.maxLossRelDiff ?? NaN, results[k].uq.maxLossRelDiff ?? NaN),
  ]);
  printResults(
    json,
    {
      header: [
        'threads',
        'bc step ms',
        'uq step ms',
        'predict samples/s',
        'bc speedup',
        'uq speedup',
        'predict speedup',
        'max loss rel diff',
      ],
      rows,
    },
    asJson,
  );
  process.stdout.write(
    `${network} network (bc ${json.params.bc}, uq ${json.params.uq} parameters), ${steps} timed steps of batch 2; ` +
      `load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after, ${os.cpus().length} CPUs; peak RSS ${json.peakRssMiB.toFixed(0)} MiB\n`,
  );
}
