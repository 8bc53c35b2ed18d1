/**
 * `npm run -s bench -- grid025 [--json] [--grids 181x360,721x1440] [--compare 181x360] [--tile 512]
 *  [--threads 1,2] [--untiled 181x360] [--runs 1] [--network recipe|default] [--from-file]`
 *
 * The mixed model (BC + UQ) on one global field per grid, each grid in its own child process (so each peak RSS
 * is that grid's alone), side by side in one table: 1° (181 × 360) and 0.25° (721 × 1440 ≈ 1.04 M points) by
 * default. Random weights (timing and memory do not depend on them; every weight is random, the LCN's
 * per-point maps included, so no layer is a no-op), synthetic inputs of the model's member subset
 * (5 members × 3 leads × 4 predictor fields — what the hyperslab read of the subset delivers; the other 46 of
 * 51 members are never read), wasm in the child's main thread.
 *
 * Every grid runs tiled (libs/model/tiling.ts, cores of `--tile` padded points plus the exact halo); grids in
 * `--compare` also run in one untiled pass in the same child and report the largest |μ| and |σ| differences
 * (tiled = untiled); grids in `--untiled` run untiled only (one pass, for its time and memory). With
 * `--threads 1,2` every grid runs once per thread count: the tile windows spread over a tensor thread pool
 * (TensorThreadPool.forecast), the speed-up against 1 thread in the table.
 * Reports the time per field (median of `--runs` after one warm-up), the peak RSS, the sizes involved and the
 * load average before/after.
 *
 * `--from-file`: the input is instead read from a 51-member forecast file of that grid (written once to the
 * temp folder: step × number × level × lat × lon of z and t, 2.5 GB at 0.25°) through the gridded
 * post-processing reader (readModelSamples, per-field hyperslabs of the 5 subset members); the child reports
 * the read time and the peak RSS just after the read as well.
 */
import { existsSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { arg, listArg, networkConfig, numberListArg, runChild } from '../common/args.js';
import { median, peakRssMiB, printResults } from '../report.js';
import { selectBackend } from '../../libs/model/backend.js';
import { countParams } from '../../libs/model/bcNet.js';
import { buildModelInput, featurize, type RawSample } from '../../libs/model/features.js';
import type { ModelConfig } from '../../libs/model/config.js';
import { openDataset } from '../../libs/netcdf/open.js';
import { writeNetcdf } from '../../libs/netcdf/write.js';
import { readModelSamples } from '../../libs/pipeline/forecast/predictGaussian.js';
import { MixedModel, type GaussianForecast } from '../../libs/model/mixedModel.js';
import { NormalizationFitter } from '../../libs/model/normalization.js';
import { TensorThreadPool } from '../../libs/model/parallel/pool.js';
import { exactHalo } from '../../libs/model/tiling.js';

type Mode = 'tiled' | 'compare' | 'untiled';

interface CaseResult {
  grid: string;
  mode: Mode;
  /** Tensor threads the tiles are spread over (1 = this thread, no pool). */
  threads: number;
  windowsPerThread?: number[];
  ok: boolean;
  error?: string;
  points?: number;
  padded?: [number, number];
  tile?: number;
  halo?: number;
  params?: { bc: number; uq: number };
  subsetInputMiB?: number;
  full51MemberFieldMiB?: number;
  setupSeconds?: number;
  /** --from-file: the 51-member file read, its time and the peak RSS just after it. */
  file?: string;
  readSeconds?: number;
  readPeakRssMiB?: number;
  secondsPerField?: number;
  untiledSecondsPerField?: number;
  maxAbsDiffMu?: number;
  maxAbsDiffSigma?: number;
  sigmaMin?: number;
  numTensorsLeft?: number;
  peakRssMiB: number;
  loadAverage1m: { before: number; after: number };
}

/** Mulberry32: deterministic weights and inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomizeWeights(model: MixedModel): void {
  const r = prng(7);
  for (const net of [model.bc, model.uq])
    for (const layer of net.layers) {
      const ws = layer.getWeights();
      if (!ws.length) continue;
      const names = layer.weights.map((w) => w.originalName);
      const fresh = ws.map((w, i) => {
        const positive = /moving_variance|gamma/.test(names[i]);
        const v = new Float32Array(w.size);
        for (let k = 0; k < v.length; k++) v[k] = positive ? 0.5 + r() : (r() - 0.5) * 0.2;
        return tf.tensor(v, w.shape);
      });
      layer.setWeights(fresh);
      tf.dispose(fresh);
    }
}

function maxAbsDiff(a: GaussianForecast, b: GaussianForecast): { mu: number; sigma: number } {
  let mu = 0;
  let sigma = 0;
  a.mu.forEach((m, t) => {
    for (let k = 0; k < m.length; k++) {
      mu = Math.max(mu, Math.abs(m[k] - b.mu[t][k]));
      sigma = Math.max(sigma, Math.abs(a.sigma[t][k] - b.sigma[t][k]));
    }
  });
  return { mu, sigma };
}

/** One grid in this process. */
async function runCase(
  grid: string,
  mode: Mode,
  threads: number,
  tile: number,
  runs: number,
  network: string,
  file: string,
): Promise<CaseResult> {
  const load0 = os.loadavg()[0];
  const [ny, nx] = grid.split('x').map(Number);
  await selectBackend('wasm');
  const cfg = networkConfig(network);
  const n = ny * nx;
  const K = cfg.predictors.length * cfg.levels.length;
  const t0 = performance.now();
  const gridSpec = {
    ny,
    nx,
    latitudes: Array.from({ length: ny }, (_, i) => 90 - (180 * i) / (ny - 1)),
    longitudes: Array.from({ length: nx }, (_, j) => (360 * j) / nx),
    periodic: true,
  };
  let read: Pick<CaseResult, 'file' | 'readSeconds' | 'readPeakRssMiB'> = {};
  let raw: RawSample;
  if (file) {
    const r0 = performance.now();
    const ds = await openDataset(file);
    try {
      const [sample] = readModelSamples(ds, { config: cfg, grid: gridSpec }, {});
      // Synthetic truth only feeds the normalisation fit (the file is a forecast; the weights are random).
      const truth = cfg.targets.map((_, t) =>
        Float32Array.from({ length: n }, (_, q) => 251 + Math.sin(q / 983 + t)),
      );
      ({ raw } = buildModelInput({ ny, nx, ens: sample.ens, analysis: sample.analysis, truth }, cfg));
    } finally {
      ds.close();
    }
    read = { file, readSeconds: (performance.now() - r0) / 1000, readPeakRssMiB: await peakRssMiB() };
  } else
    raw = featurize(
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
  const fit = new NormalizationFitter(true);
  fit.add(raw);
  const model = MixedModel.create(cfg, fit.finish(), gridSpec);
  randomizeWeights(model);
  const pool = threads > 1 ? await TensorThreadPool.start({ threads, backend: 'wasm' }) : null;
  await pool?.loadModel(model);
  const setupSeconds = (performance.now() - t0) / 1000;
  const time = async (tiles: { tile: number } | false) => {
    const ms: number[] = [];
    let last: GaussianForecast | undefined;
    for (let r = 0; r <= runs; r++) {
      const t = performance.now();
      [last] =
        pool && tiles ? await pool.forecast(model, [raw], { tiles }) : await model.predict([raw], { tiles });
      if (r > 0) ms.push(performance.now() - t);
    }
    return { seconds: median(ms) / 1000, forecast: last! };
  };
  const { height, width } = model.encoder.padding;
  const base = {
    grid,
    mode,
    threads,
    ok: true,
    points: n,
    padded: [height, width] as [number, number],
    params: { bc: countParams(model.bc), uq: countParams(model.uq) },
    subsetInputMiB: (cfg.leads.length * K * cfg.members * n * 4) / 2 ** 20,
    full51MemberFieldMiB: (51 * n * 4) / 2 ** 20,
    setupSeconds,
    ...read,
  };
  let out: Partial<CaseResult>;
  let forecast: GaussianForecast;
  if (mode === 'untiled') {
    const u = await time(false);
    forecast = u.forecast;
    out = { untiledSecondsPerField: u.seconds };
  } else {
    const tl = await time({ tile });
    forecast = tl.forecast;
    out = { tile, halo: exactHalo(cfg), secondsPerField: tl.seconds };
    if (mode === 'compare') {
      const u = await time(false);
      const d = maxAbsDiff(u.forecast, tl.forecast);
      out = { ...out, untiledSecondsPerField: u.seconds, maxAbsDiffMu: d.mu, maxAbsDiffSigma: d.sigma };
    }
  }
  let sigmaMin = Infinity;
  for (const s of forecast.sigma) for (const v of s) sigmaMin = Math.min(sigmaMin, v);
  model.dispose();
  const windowsPerThread = pool ? [...pool.windowsRun] : undefined;
  await pool?.close();
  return {
    ...base,
    ...out,
    windowsPerThread,
    sigmaMin,
    numTensorsLeft: tf.memory().numTensors,
    peakRssMiB: await peakRssMiB(),
    loadAverage1m: { before: load0, after: os.loadavg()[0] },
  };
}

/**
 * A 51-member forecast file of the grid in the temp folder (kept for the next run): step (the config's
 * leads) × number × level × lat × lon of every predictor, float32, deterministic smooth values.
 */
async function membersFile(grid: string, cfg: ModelConfig): Promise<string> {
  const [ny, nx] = grid.split('x').map(Number);
  const file = path.join(os.tmpdir(), `epp-grid025-${grid}-51members.nc`);
  if (existsSync(file)) return file;
  const M = 51;
  const L = cfg.levels.length;
  const S = cfg.leads.length;
  const n = ny * nx;
  const dims = ['step', 'number', 'level', 'latitude', 'longitude'];
  await writeNetcdf(`${file}.part`, {
    dimensions: [
      { name: 'step', size: S },
      { name: 'number', size: M },
      { name: 'level', size: L },
      { name: 'latitude', size: ny },
      { name: 'longitude', size: nx },
    ],
    variables: [
      { name: 'step', dtype: 'double', dims: ['step'], data: cfg.leads, attrs: { units: 'hours' } },
      {
        name: 'number',
        dtype: 'int',
        dims: ['number'],
        data: Array.from({ length: M }, (_, i) => i),
        attrs: { standard_name: 'realization' },
      },
      { name: 'level', dtype: 'int', dims: ['level'], data: cfg.levels, attrs: { units: 'hPa' } },
      {
        name: 'latitude',
        dtype: 'float',
        dims: ['latitude'],
        data: Array.from({ length: ny }, (_, i) => 90 - (180 * i) / (ny - 1)),
      },
      {
        name: 'longitude',
        dtype: 'float',
        dims: ['longitude'],
        data: Array.from({ length: nx }, (_, j) => (360 * j) / nx),
      },
      ...cfg.predictors.map((v, k) => {
        const data = new Float32Array(S * M * L * n);
        for (let f = 0; f < S * M * L; f++)
          for (let q = 0; q < n; q++) data[f * n + q] = 250 + 10 * Math.sin(q / 997 + k + f) + (q % 7);
        return { name: v, dtype: 'float' as const, dims, data };
      }),
    ],
  });
  renameSync(`${file}.part`, file);
  return file;
}

/** Run one grid in a child process (own peak RSS); a crash or wasm abort is reported, not fatal. */
function child(grid: string, mode: Mode, threads: number, argv: string[]): Promise<CaseResult> {
  return runChild<CaseResult>('grid025', `${grid}:${mode}:${threads}`, argv, (error, loadAverage1m) => ({
    grid,
    mode,
    threads,
    ok: false,
    error,
    peakRssMiB: NaN,
    loadAverage1m,
  }));
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const tile = Number(arg(argv, 'tile', '512'));
  const runs = Number(arg(argv, 'runs', '1'));
  const network = arg(argv, 'network', 'recipe');
  const childArg = arg(argv, 'child', '');
  if (childArg) {
    const load0 = os.loadavg()[0];
    const [grid, mode, th] = childArg.split(':') as [string, Mode, string];
    const threads = Number(th);
    let res: CaseResult;
    try {
      res = await runCase(grid, mode, threads, tile, runs, network, arg(argv, 'file', ''));
    } catch (err) {
      res = {
        grid,
        mode,
        threads,
        ok: false,
        error: String((err as Error)?.message ?? err).slice(0, 200),
        peakRssMiB: await peakRssMiB(),
        loadAverage1m: { before: load0, after: os.loadavg()[0] },
      };
    }
    process.stdout.write(JSON.stringify(res) + '\n');
    return;
  }
  const grids = listArg(argv, 'grids', '181x360,721x1440');
  const compare = new Set(listArg(argv, 'compare', '181x360'));
  const untiled = listArg(argv, 'untiled', '');
  const threadList = numberListArg(argv, 'threads', '1');
  const pass = ['--tile', String(tile), '--runs', String(runs), '--network', network];
  const fromFile = argv.includes('--from-file');
  const files = new Map<string, string>();
  const passFor = async (g: string) => {
    if (!fromFile) return pass;
    if (!files.has(g)) files.set(g, await membersFile(g, networkConfig(network)));
    return [...pass, '--file', files.get(g)!];
  };
  const results: CaseResult[] = [];
  for (const g of untiled) results.push(await child(g, 'untiled', 1, await passFor(g)));
  for (const g of grids)
    for (const th of threadList)
      results.push(await child(g, compare.has(g) ? 'compare' : 'tiled', th, await passFor(g)));
  // Speed-up of the tiled pass against 1 thread on the same grid (when both ran).
  const speedUp = (r: CaseResult) => {
    const one = results.find((x) => x.grid === r.grid && x.threads === 1 && x.secondsPerField);
    return one?.secondsPerField && r.secondsPerField ? one.secondsPerField / r.secondsPerField : undefined;
  };
  const json = {
    network,
    tile,
    runs,
    cpus: os.cpus().length,
    results: results.map((r) => ({ ...r, speedUpVs1Thread: speedUp(r) })),
  };
  const f = (x: number | undefined) => (x === undefined ? '' : x);
  printResults(
    json,
    {
      header: [
        'grid',
        'mode',
        'threads',
        'points',
        'tiled s/field',
        '× vs 1 thread',
        'untiled s/field',
        'max|Δμ|',
        'max|Δσ|',
        'peak RSS MiB',
        'goal ≤ 4096 MiB',
        'load 1m',
        'error',
      ],
      rows: results.map((r) => [
        r.grid,
        r.mode,
        r.threads,
        f(r.points),
        f(r.secondsPerField),
        f(speedUp(r)),
        f(r.untiledSecondsPerField),
        f(r.maxAbsDiffMu),
        f(r.maxAbsDiffSigma),
        r.peakRssMiB ?? '',
        r.ok ? (r.peakRssMiB <= 4096 ? 'yes' : 'NO') : '',
        `${r.loadAverage1m.before?.toFixed(1)}→${r.loadAverage1m.after?.toFixed(1)}`,
        r.error ?? '',
      ]),
    },
    asJson,
  );
}
