/**
 * End to end on a generated tiny testbed (a few steps only): train writes a model folder with a manifest,
 * postprocess writes CF products with σ > 0, bad input gives errors that list what is missing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../../libs/model/backend.js';
import { loadModelFolder, readManifest, updateManifest } from '../../../libs/model/folder.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { writeNetcdf } from '../../../libs/netcdf/write.js';
import { evaluateModel, scoresForManifest, formatEvaluation } from '../../../libs/pipeline/evaluate/index.js';
import { postprocessWithModel } from '../../../libs/pipeline/forecast/index.js';
import { trainModel } from '../../../libs/pipeline/train/index.js';
import { ArchiveWriter, TestbedGenerator } from '../../../libs/testbed/index.js';

let dir: string;
const small = { bcFilters: 2, bcLevels: 1, uqFilters: 2, uqBlocks: 1, uqBranchFilters: 1 };

beforeAll(async () => {
  await selectBackend('wasm');
  dir = mkdtempSync(path.join(tmpdir(), 'epp-pipeline-'));
  await new TestbedGenerator({ preset: 'tiny', seed: 3 }).process(new ArchiveWriter(path.join(dir, 'tb')));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('train → model folder; postprocess → products with σ > 0; no tensors leak', async () => {
  const before = tf.memory().numTensors;
  const out = path.join(dir, 'model');
  const losses: number[] = [];
  const r = await trainModel({
    dataDir: path.join(dir, 'tb'),
    outDir: out,
    task: 'mixed',
    epochs: 1,
    maxTrainSamples: 4,
    config: small,
    onProgress: (p) => p.phase === 'train' && p.loss !== undefined && losses.push(p.loss),
  });
  expect(r.trainSamples).toBe(4);
  expect(r.val.crps.every((c) => c > 0)).toBe(true);
  const m = await readManifest(out);
  expect(m.config.targets).toEqual(['t850', 'z500']);
  expect(m.trainingData?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  expect(tf.memory().numTensors).toBe(before);

  const res = await postprocessWithModel({
    modelDir: out,
    forecastPath: path.join(dir, 'tb', 'forecasts', '20160204T00Z.nc'),
    outPath: path.join(dir, 'pp.nc'),
    products: ['mean', 'std', 'percentiles'],
    percentiles: [10, 90],
  });
  expect(res.sigmaMin).toBeGreaterThan(0);
  // Two targets: one product file each (libs/products names, the level a scalar pressure coordinate).
  expect(res.files).toEqual([path.join(dir, 'pp_t850.nc'), path.join(dir, 'pp_z500.nc')]);
  const ds = await openDataset(path.join(dir, 'pp_t850.nc'));
  expect(ds.readVariable('pressure').data[0]).toBe(850);
  const mean = ds.readVariable('air_temperature_mean').data;
  const p = ds.readVariable('air_temperature').data; // [time, percentile, lat, lon]
  const n = mean.length;
  for (let i = 0; i < n; i += 97) expect(p[i]).toBeLessThan(p[n + i]); // 10th < 90th percentile
  ds.close();
  expect(tf.memory().numTensors).toBe(before);
}, 300_000);

test('evaluate: every method scored on the test split, improvements and gap fractions follow from the CRPS', async () => {
  const r = await evaluateModel({
    modelDir: path.join(dir, 'model'),
    dataDir: path.join(dir, 'tb'),
    replicates: 50,
  });
  expect(r.samples).toBeGreaterThan(0);
  expect(r.weights).toBe('coslat');
  expect(r.targets.map((t) => t.target)).toEqual(['t850', 'z500']);
  for (const t of r.targets) {
    const c = t.crps;
    for (const m of [
      'raw10',
      'raw5',
      'emos_global',
      'emos_pointwise',
      'emos_pointwise_all',
      'mixed',
      'mixed_fallback',
      'perfect50',
    ] as const)
      expect(c[m]).toBeGreaterThan(0);
    expect(c.perfect50!).toBeLessThan(c.raw10!);
    const gap = c.raw10! - c.perfect50!;
    expect(t.gapClosed).toBeCloseTo((c.raw10! - c.mixed!) / gap, 10);
    expect(t.gapClosedEmosPointwise!.all).toBeCloseTo((c.raw10! - c.emos_pointwise_all!) / gap, 10);
    expect(t.gapClosedEmosPointwise!.subset).toBeCloseTo((c.raw10! - c.emos_pointwise!) / gap, 10);
    // Against the strongest raw10 estimator, named; cos-lat weighted by default.
    const raw = t.skill.methods.raw10.scores;
    const strongest = Math.min(raw.crps.value, raw.crps_fair.value, raw.crps_gaussian.value);
    expect(raw.crps.value).toBeCloseTo(c.raw10!, 10);
    expect(t.improvement.vsRaw10).toBeCloseTo(1 - c.mixed! / strongest, 10);
    expect(t.reference.raw10).toMatch(/^raw10 crps(_fair|_gaussian)?$/);
    expect(t.improvement.servedVsRaw10).toBeCloseTo(1 - c.mixed_fallback! / strongest, 10);
    const im = t.skill.improvement.mixed.crps;
    expect(im.lo).toBeLessThanOrEqual(im.value);
    expect(im.hi).toBeGreaterThanOrEqual(im.value);
    expect(t.skill.methods.mixed.scores.twcrps_upper.value).toBeGreaterThan(0);
    expect(t.skill.methods.mixed.scores.twcrps_upper.value).toBeLessThan(c.mixed!);
    // Every test point lands in exactly one rank bin and one PIT bin.
    const total = t.rankHistogramRaw10.reduce((a, b) => a + b, 0);
    expect(total).toBe(t.pitHistogramMixed.reduce((a, b) => a + b, 0));
    expect(total % r.samples).toBe(0);
    expect(t.obsConditionedPoints).toBeGreaterThan(0);
    expect(t.obsConditionedPoints).toBeLessThan(total);
    // The extended EMOS variants need 4 training samples per coefficient: the tiny archive has too few, and
    // says so; the strongest baseline is then the best of the three plain variants, gain = 1 − mixed/its CRPS.
    expect(t.emosNotFitted.map((x) => x.split(' ')[0])).toEqual([
      'emos_seasonal',
      'emos_local',
      'emos_seasonal_local',
      'emos_seasonal_local_all',
    ]);
    const sb = t.strongestBaseline;
    expect(sb.crps).toBeCloseTo(Math.min(c.emos_global!, c.emos_pointwise!, c.emos_pointwise_all!), 10);
    expect(sb.served.value).toBeCloseTo(1 - c.mixed_fallback! / sb.crps, 10);
    expect(sb.closesGap).toBe(sb.served.lo <= 0);
  }
  // `epp evaluate --write`: the scores go into the manifest; the folder still loads (its files are unchanged).
  const modelDir = path.join(dir, 'model');
  await updateManifest(modelDir, { scores: { test: scoresForManifest(r, 'tb') } });
  const loaded = await loadModelFolder(modelDir);
  const rec = loaded.manifest.scores!.test as { targets: Record<string, { crps: Record<string, number> }> };
  expect(rec.targets.t850.crps.mixed).toBe(r.targets[0].crps.mixed);
  loaded.model.dispose();
  const text = formatEvaluation(r);
  expect(text).toContain('emos_pointwise_all');
  expect(text).toMatch(/EMOS point-by-point [-\d.]+ % \(5 members\), [-\d.]+ % \(all\)/);
  expect(text).toContain('cos(latitude)-weighted');
  expect(text).toContain('observation-conditioned (improper');
  expect(text).toContain('strongest statistical baseline: emos_');
  expect(text).toContain('EMOS variants not fitted: emos_seasonal (');
}, 300_000);

test('a forecast without the model variables is refused with the list of what is missing', async () => {
  const file = path.join(dir, 'only-u.nc');
  const lat = Array.from({ length: 31 }, (_, i) => 90 - 6 * i);
  const lon = Array.from({ length: 60 }, (_, j) => 6 * j);
  await writeNetcdf(file, {
    dimensions: [
      { name: 'number', size: 5 },
      { name: 'level', size: 1 },
      { name: 'latitude', size: 31 },
      { name: 'longitude', size: 60 },
    ],
    variables: [
      {
        name: 'number',
        dtype: 'int',
        dims: ['number'],
        data: [0, 1, 2, 3, 4],
        attrs: { standard_name: 'realization' },
      },
      { name: 'level', dtype: 'int', dims: ['level'], data: [500], attrs: { units: 'millibars' } },
      { name: 'latitude', dtype: 'float', dims: ['latitude'], data: lat },
      { name: 'longitude', dtype: 'float', dims: ['longitude'], data: lon },
      {
        name: 'u',
        dtype: 'float',
        dims: ['number', 'level', 'latitude', 'longitude'],
        data: new Float32Array(5 * 31 * 60),
      },
    ],
  });
  await expect(
    postprocessWithModel({
      modelDir: path.join(dir, 'model'),
      forecastPath: file,
      outPath: path.join(dir, 'x.nc'),
    }),
  ).rejects.toThrow(/needs variables\/levels z, t, 850 hPa/);
});

test('epp train --seed: the same seed repeats a run bit for bit (initial weights included), another seed starts elsewhere', async () => {
  const run = async (seed: number, name: string) => {
    const out = path.join(dir, name);
    await trainModel({
      dataDir: path.join(dir, 'tb'),
      outDir: out,
      task: 'bc',
      epochs: 1,
      maxTrainSamples: 2,
      seed,
      threads: 1,
      config: small,
    });
    const { model } = await loadModelFolder(out);
    const weights = [...model.bc.getWeights(), ...model.uq.getWeights()].map((w) => w.dataSync());
    model.dispose();
    return weights;
  };
  const a = await run(5, 'seed5a');
  const b = await run(5, 'seed5b');
  const c = await run(6, 'seed6');
  // One step from the initial weights (the first loss alone would not show them: the LCN kernel starts at zero,
  // so the U-Net's initial weights reach the loss only through the update).
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.from(x).every((v, k) => Object.is(v, y[k]));
  expect(a.every((w, i) => same(w, b[i]))).toBe(true);
  expect(a.every((w, i) => same(w, c[i]))).toBe(false);
}, 300_000);
