/**
 * `npm run -s bench -- threads [--json] [--threads 1,2 (0 = StageTrainer in this thread)] [--steps 5] [--warmup 1] [--network recipe|default] [--predict 8] [--seed 1]`
 *
 * Data-parallel training and parallel inference of the mixed model on tensor threads (libs/model/parallel),
 * side by side with one thread — training on one tensor thread (the same code as N threads: `epp train --threads 1`
 * on wasm), inference in this thread (MixedModel.predict, as the service runs one thread) — and, with
 * `--threads 0,…`, training in this thread as well (StageTrainer, tfjs-layers' batch norm: the old
 * single-thread path, kept as a row for comparison); speed-ups are against 1. On the 3° global
 * grid (61 × 120, padded to 64 × 128) with batch 2 — the default recipe's shape (scripts/train-default.sh:
 * `--network recipe`) or the library defaults (`--network default`). Every run starts from the same weights,
 * drawn from `--seed` (default 1; the same seed gives the same weights in every bench run);
 * the losses of the 5 steps are compared with the single-thread ones (relative difference). Timings are the
 * median step after `--warmup` (default one) warm-up steps; the load average is printed with them (the machine is
 * shared). A second table breaks each step down in CPU time (./profile.ts): each thread's CPU, the V8 helper
 * threads' (garbage collection, optimising compiler), the critical path through the barriers, the step an idle
 * machine would show, and Amdahl's serial fraction. A last table gives the ceiling of data parallelism on the
 * batch (ShardCeiling: the 1-thread 2-sample step over the 1-sample step). The tensor threads are fresh V8 isolates, so their first
 * steps also pay for optimising tfjs's JavaScript (helper CPU); `--warmup 20` shows the steady state.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { arg, networkConfig, numberListArg } from '../common/args.js';
import { InvalidArgumentError } from '../../libs/contracts/errors.js';
import { median, peakRssMiB, printResults } from '../report.js';
import { helperCpuMs, idleStepMs, serialFraction, stepBreakdown, taskCpu, type PhaseRow } from './profile.js';
import { selectBackend } from '../../libs/model/backend.js';
import { countParams } from '../../libs/model/bcNet.js';
import type { ModelConfig } from '../../libs/model/config.js';
import { featurize, type RawSample } from '../../libs/model/features.js';
import { MixedModel } from '../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';
import { TensorThreadPool, type RequestProfile } from '../../libs/model/parallel/pool.js';
import { threadTaskId, threadTime } from '../../libs/model/parallel/threadClock.js';
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
  /** Where the step's time goes, in CPU time (./profile.ts). */
  profile?: StageProfile;
  /** 1 thread only: the ceiling of data parallelism on this batch (see shardCeiling). */
  ceiling?: ShardCeiling;
}

/**
 * The most N threads can gain on a batch of N samples (one per thread): each thread then runs a 1-sample step,
 * so even with free barriers, no contention and no helper threads the step takes t(1), and the speed-up is at
 * most t(2)/t(1). What does not halve (tfjs's JavaScript per kernel: the same kernels run at either batch size)
 * is F = 2·t(1) − t(2). Median wall ms on one tensor thread, 2- and 1-sample steps alternating, after warm-up.
 */
interface ShardCeiling {
  batch2Ms: number;
  batch1Ms: number;
  fixedMs: number;
  ceiling: number;
}

/** Per step (medians; helpers: mean), ms of CPU unless named otherwise. */
interface StageProfile {
  /** Each tensor thread's CPU (1 thread: this one, running StageTrainer). */
  threadCpuMs: number[];
  /** The calling thread's CPU in pool calls (posting shards, collecting losses); 0 with 1 thread. */
  mainCpuMs: number;
  /** V8/libuv helper threads (garbage collection, optimising compilation). */
  helperCpuMs: number;
  /** Σ over stretches between barriers of the slowest thread's CPU, + mainCpuMs (1 thread: its CPU). */
  criticalPathMs: number;
  barriers: number;
  /** max(critical path, all CPU / cores): the step an idle machine would show (./profile.ts). */
  idleStepMs: number;
  phases?: PhaseRow[];
}

interface Timed extends StageTiming {
  cpu: number[];
  before: Map<number, number>;
  after: Map<number, number>;
}

async function timeSteps(
  step: (b: RawSample[]) => Promise<number>,
  batches: RawSample[][],
  warmup: number,
): Promise<Timed> {
  const ms: number[] = [];
  const cpu: number[] = [];
  const losses: number[] = [];
  // Warm-up (kernel set-up, allocation, JIT); its losses are not compared.
  for (const b of batches.slice(0, warmup)) await step(b);
  const before = taskCpu();
  for (const b of batches.slice(warmup)) {
    const t = threadTime();
    losses.push(await step(b));
    const u = threadTime();
    ms.push(u.wallMs - t.wallMs);
    cpu.push(u.cpuMs - t.cpuMs);
  }
  return { stepMs: median(ms), losses, cpu, before, after: taskCpu() };
}

/** See ShardCeiling: alternating 2- and 1-sample steps on a fresh model (their losses are not compared). */
async function shardCeiling(
  pool: TensorThreadPool,
  stage: TrainStage,
  batches: RawSample[][],
  warmup: number,
  steps: number,
): Promise<ShardCeiling> {
  await pool.beginStage(stage, 2e-3);
  const two: number[] = [];
  const one: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const b = batches[i % batches.length];
    let t = performance.now();
    await pool.step(b);
    const t2 = performance.now() - t;
    t = performance.now();
    await pool.step(b.slice(0, 1));
    const t1 = performance.now() - t;
    if (i >= warmup) {
      two.push(t2);
      one.push(t1);
    }
  }
  await pool.endStage();
  const batch2Ms = median(two);
  const batch1Ms = median(one);
  return { batch2Ms, batch1Ms, fixedMs: 2 * batch1Ms - batch2Ms, ceiling: batch2Ms / batch1Ms };
}

const round = (x: number) => Math.round(x * 10) / 10;

/** The timed inference (all `predict` samples) in CPU ms. */
interface PredictProfile {
  threadCpuMs: number[];
  mainCpuMs: number;
  helperCpuMs: number;
  /** The slowest thread + the calling thread (1 thread: its CPU). */
  criticalPathMs: number;
  /** Samples / max(critical path, all CPU / cores): the rate an idle machine would show (./profile.ts). */
  idleSamplesPerSecond: number;
}

function predictProfileOf(
  threadCpuMs: number[],
  mainCpuMs: number,
  helperCpuMs: number,
  criticalPathMs: number,
  samples: number,
  cores: number,
): PredictProfile {
  const total = threadCpuMs.reduce((a, b) => a + b, 0) + mainCpuMs + helperCpuMs;
  return {
    threadCpuMs: threadCpuMs.map(round),
    mainCpuMs: round(mainCpuMs),
    helperCpuMs: round(helperCpuMs),
    criticalPathMs: round(criticalPathMs),
    idleSamplesPerSecond: samples / (idleStepMs(criticalPathMs, total, cores) / 1000),
  };
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const threadCounts = numberListArg(argv, 'threads', '1,2');
  const steps = Number(arg(argv, 'steps', '5'));
  const warmup = Number(arg(argv, 'warmup', '1'));
  if (!(Number.isInteger(warmup) && warmup >= 1))
    throw new InvalidArgumentError(`--warmup must be an integer ≥ 1, got ${warmup}`);
  const nPredict = Number(arg(argv, 'predict', '8'));
  const network = arg(argv, 'network', 'recipe');
  const seed = Number(arg(argv, 'seed', '1'));
  if (!Number.isInteger(seed)) throw new InvalidArgumentError(`--seed must be an integer, got ${seed}`);
  await selectBackend('wasm');
  const cfg = networkConfig(network);
  const data = samples(cfg, 2 * (steps + warmup));
  const fit = new NormalizationFitter(true);
  data.forEach((s) => fit.add(s));
  const stats = fit.finish();
  const batches = Array.from({ length: steps + warmup }, (_, i) => data.slice(2 * i, 2 * i + 2));
  const initial = MixedModel.create(cfg, stats, grid(), { seed });
  const initialWeights = [...initial.bc.getWeights(), ...initial.uq.getWeights()].map((w) => w.clone());
  const fresh = () => {
    const m = MixedModel.create(cfg, stats, grid(), { seed });
    const nb = m.bc.getWeights().length;
    m.bc.setWeights(initialWeights.slice(0, nb));
    m.uq.setWeights(initialWeights.slice(nb));
    return m;
  };
  const cores = os.cpus().length;
  const me = threadTaskId() ?? -1;
  const load0 = os.loadavg()[0];
  const stages: TrainStage[] = ['bc', 'uq'];
  const results: Record<string, Record<string, StageTiming & { maxLossRelDiff?: number }>> = {};
  const predictRate: Record<string, number> = {};
  /** The timed inference in CPU time (as the steps' profile): idle rate = samples / max(critical, all CPU / cores). */
  const predictProfile: Record<string, PredictProfile> = {};
  /** Inference in the calling thread (what 1 thread means for inference: libs/model/parallel/inference.ts). */
  const predictInThisThread = async (key: string) => {
    const m = fresh();
    await m.predict(data.slice(0, 1));
    const h0 = taskCpu();
    const c0 = threadTime();
    for (let i = 0; i < nPredict; i++) await m.predict(data.slice(i % data.length, (i % data.length) + 1));
    const c1 = threadTime();
    predictRate[key] = nPredict / ((c1.wallMs - c0.wallMs) / 1000);
    const own = c1.cpuMs - c0.cpuMs;
    const helpers = helperCpuMs(h0, taskCpu(), [me]);
    predictProfile[key] = predictProfileOf([own], 0, helpers, own, nPredict, cores);
    m.dispose();
  };
  for (const n of threadCounts) {
    const key = `${n}`;
    results[key] = {};
    if (n === 0) {
      // 0: training in the calling thread (StageTrainer, tfjs-layers' batch norm) — `epp train`'s single-thread
      // path before it used one tensor thread (the default baseline 1 runs the pool's code on one thread).
      for (const stage of stages) {
        const m = fresh();
        const tr = new StageTrainer(m, { stage, learningRate: 2e-3 });
        const t = await timeSteps((b) => tr.step(b), batches, warmup);
        const own = median(t.cpu);
        const helpers = helperCpuMs(t.before, t.after, [me]) / t.cpu.length;
        results[key][stage] = {
          stepMs: t.stepMs,
          losses: t.losses,
          profile: {
            threadCpuMs: [round(own)],
            mainCpuMs: 0,
            helperCpuMs: round(helpers),
            criticalPathMs: round(own),
            barriers: 0,
            idleStepMs: round(idleStepMs(own, own + helpers, cores)),
          },
        };
        tr.dispose();
        m.dispose();
      }
      await predictInThisThread(key);
      continue;
    }
    const pool = await TensorThreadPool.start({ threads: n, backend: 'wasm', profile: true });
    try {
      for (const stage of stages) {
        const m = fresh();
        await pool.loadModel(m);
        await pool.beginStage(stage, 2e-3);
        await pool.profiles(); // forget the set-up requests
        const t = await timeSteps((b) => pool.step(b), batches, warmup);
        const p = await pool.profiles();
        const bd = stepBreakdown(
          p.threads.map((r) => r.slice(warmup)),
          p.main.slice(warmup),
        ); // without the warm-up
        const helpers = helperCpuMs(t.before, t.after, [me, ...bd.tids]) / t.cpu.length;
        const total = bd.threadCpuMs.reduce((a, b) => a + b, 0) + bd.mainCpuMs + helpers;
        results[key][stage] = {
          stepMs: t.stepMs,
          losses: t.losses,
          profile: {
            threadCpuMs: bd.threadCpuMs.map(round),
            mainCpuMs: round(bd.mainCpuMs),
            helperCpuMs: round(helpers),
            criticalPathMs: round(bd.criticalPathMs),
            barriers: bd.barriers,
            idleStepMs: round(idleStepMs(bd.criticalPathMs, total, cores)),
            phases: bd.phases.map((r) => ({
              phase: r.phase,
              cpuMs: r.cpuMs.map(round),
              wallMs: r.wallMs.map(round),
              runqMs: r.runqMs.map(round),
              waitMs: r.waitMs.map(round),
            })),
          },
        };
        await pool.endStage();
        m.dispose();
        if (n === 1) results[key][stage].ceiling = await shardCeiling(pool, stage, batches, warmup, steps);
      }
      if (n === 1) {
        // One thread predicts in the calling thread, as the service does (libs/model/parallel/inference.ts).
        await predictInThisThread(key);
        continue;
      }
      const m = fresh();
      await pool.loadModel(m);
      const req = Array.from({ length: nPredict }, (_, i) => data[i % data.length]);
      await pool.predict(req.slice(0, n));
      await pool.profiles(); // forget the warm-up
      const h0 = taskCpu();
      const t = performance.now();
      await pool.predict(req, 1);
      predictRate[key] = nPredict / ((performance.now() - t) / 1000);
      const h1 = taskCpu();
      const p = await pool.profiles();
      const cpuOf = (r: RequestProfile[]) =>
        r
          .filter((q) => q.type === 'predict')
          .reduce((a, q) => a + Object.values(q.phases).reduce((x, ph) => x + ph.cpuMs, 0), 0);
      const threadCpu = p.threads.map(cpuOf);
      const mainCpu = p.main.filter((q) => q.type === 'predict').reduce((a, q) => a + q.cpuMs, 0);
      const tids = p.threads.map((r) => r[0]?.tid ?? -1);
      const helpers = helperCpuMs(h0, h1, [me, ...tids]);
      predictProfile[key] = predictProfileOf(
        threadCpu,
        mainCpu,
        helpers,
        Math.max(...threadCpu) + mainCpu,
        nPredict,
        cores,
      );
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
    warmup,
    results,
    predictSamplesPerSecond: predictRate,
    predictProfile,
    speedup: Object.fromEntries(
      Object.keys(results).map((k) => [
        k,
        {
          bcStep: base ? base.bc.stepMs / results[k].bc.stepMs : null,
          uqStep: base ? base.uq.stepMs / results[k].uq.stepMs : null,
          predict: predictRate['1'] ? predictRate[k] / predictRate['1'] : null,
          predictIdleFromCpu: predictProfile['1']
            ? predictProfile[k].idleSamplesPerSecond / predictProfile['1'].idleSamplesPerSecond
            : null,
        },
      ]),
    ),
    /**
     * Amdahl (speed-up S = 1/(s + (1 − s)/N)): the serial fraction s = (N/S − 1)/(N − 1) implied by the measured
     * wall speed-up, and by the speed-up predicted for an idle machine from CPU times (profile.idleStepMs).
     */
    amdahl: Object.fromEntries(
      Object.keys(results).map((k) => [
        k,
        Object.fromEntries(
          stages.map((stage) => {
            const r = results[k][stage];
            const b = base?.[stage];
            const wall = b ? b.stepMs / r.stepMs : NaN;
            const idle = b?.profile && r.profile ? b.profile.idleStepMs / r.profile.idleStepMs : NaN;
            return [
              stage,
              {
                wallSpeedup: wall,
                serialFractionWall: serialFraction(wall, Number(k)),
                idleSpeedupFromCpu: idle,
                serialFractionFromCpu: serialFraction(idle, Number(k)),
              },
            ];
          }),
        ),
      ]),
    ),
    /** Seed of the initial weights (every run starts from them). */
    seed,
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
  printResults(
    null,
    {
      header: [
        'threads',
        'stage',
        'thread CPU ms',
        'main CPU',
        'helper CPU',
        'critical path',
        'barriers',
        'idle step ms',
        'idle speedup',
        's (idle)',
        'wall speedup',
        's (wall)',
      ],
      rows: Object.keys(results).flatMap((k) =>
        stages.map((stage) => {
          const p = results[k][stage].profile;
          const a = json.amdahl[k][stage];
          return [
            k,
            stage,
            p ? p.threadCpuMs.join(' / ') : '',
            p?.mainCpuMs ?? NaN,
            p?.helperCpuMs ?? NaN,
            p?.criticalPathMs ?? NaN,
            p?.barriers ?? NaN,
            p?.idleStepMs ?? NaN,
            a.idleSpeedupFromCpu,
            a.serialFractionFromCpu,
            a.wallSpeedup,
            a.serialFractionWall,
          ];
        }),
      ),
    },
    false,
  );
  printResults(
    null,
    {
      header: [
        'threads',
        'predict: thread CPU ms',
        'main CPU',
        'helper CPU',
        'idle samples/s',
        'idle speedup',
        'wall speedup',
      ],
      rows: Object.keys(predictProfile).map((k) => {
        const q = predictProfile[k];
        return [
          k,
          q.threadCpuMs.join(' / '),
          q.mainCpuMs,
          q.helperCpuMs,
          q.idleSamplesPerSecond,
          json.speedup[k].predictIdleFromCpu ?? NaN,
          json.speedup[k].predict ?? NaN,
        ];
      }),
    },
    false,
  );
  printResults(
    null,
    {
      header: [
        'stage',
        '1 thread: 2-sample step ms',
        '1-sample step ms',
        'fixed F = 2·t1 − t2',
        'ceiling t2/t1',
      ],
      rows: stages.flatMap((stage) => {
        const c = base?.[stage].ceiling;
        return c ? [[stage, c.batch2Ms, c.batch1Ms, c.fixedMs, c.ceiling]] : [];
      }),
    },
    false,
  );
  process.stdout.write(
    'ceiling: the most 2 threads can gain on a 2-sample batch (1 sample each): t(2)/t(1) on one tensor thread, ' +
      '2- and 1-sample steps alternating (wall medians; F = what does not halve)\n',
  );
  process.stdout.write(
    'per step, CPU ms (Linux schedstat; under load the CPU time is what the step costs, the wall time is not): ' +
      'helper = V8 GC/compiler threads; critical path = Σ over stretches between barriers of the slowest ' +
      'thread; idle step = max(critical path, all CPU / cores); s = Amdahl serial fraction (N/S − 1)/(N − 1)\n',
  );
  process.stdout.write(
    `${network} network (bc ${json.params.bc}, uq ${json.params.uq} parameters), ${steps} timed steps of batch 2 after ${warmup} warm-up; ` +
      `load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after, ${os.cpus().length} CPUs; peak RSS ${json.peakRssMiB.toFixed(0)} MiB\n`,
  );
}
