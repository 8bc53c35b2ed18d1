/**
 * The service's `mixed` method (libs/pipeline/forecast/mixed.ts) and the Gaussian products it shares with EMOS: products
 * against their formulas, valid time of a file with a `step` axis, the default model on the real ERA5 file
 * through the same shared predictGaussian as `epp postprocess`, model cache without tensor leaks, and a target
 * the model does not predict.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { normaliseForecastRequest } from '../../../libs/contracts/jobs.js';
import type { EnsembleField } from '../../../libs/ensemble/types.js';
import { openDataset, writeNetcdf } from '../../../libs/netcdf/index.js';
import {
  clearModelCache,
  mixedProducts,
  gaussianProducts,
  planField,
  readField,
  ModelTargetError,
  runForecastJob,
} from '../../../libs/pipeline/forecast/index.js';
import { describeRealData, realFile } from '../../helpers/realData.js';
import { resolveForecastInputs, resolveForecastPaths } from '../../../libs/service/job-paths.js';

const grid = {
  kind: 'latlon' as const,
  yName: 'latitude',
  xName: 'longitude',
  y: Float64Array.from([10, 0]),
  x: Float64Array.from([0, 90]),
  latitude: Float64Array.from([10, 10, 0, 0]),
  longitude: Float64Array.from([0, 90, 0, 90]),
};

test('Gaussian products: percentiles μ + σΦ⁻¹(p), P(x > t) = 1 − Φ((t − μ)/σ), ECC keeps member ranks', () => {
  // 3 members × 4 points
  const data = Float32Array.from([1, 5, 3, 0, 2, 4, 1, 9, 3, 6, 2, 8]);
  const field: EnsembleField = {
    variable: 't',
    units: 'K',
    data,
    members: [0, 1, 2],
    ny: 2,
    nx: 2,
    grid,
    validTime: 0,
    source: 'x.nc',
  };
  const mean = Float32Array.from([270, 280, 290, 300]);
  const std = Float32Array.from([1, 2, 0.5, 4]);
  const req = normaliseForecastRequest({
    source: { path: 'x.nc' },
    variable: 't',
    method: 'mixed',
    members: 3,
    products: ['mean', 'std', 'percentiles', 'probabilities', 'realizations'],
    percentiles: [50, 84.134474606854],
    thresholds: [280],
  });
  const set = gaussianProducts(field, mean, std, req);
  expect(Array.from(set.percentiles!.data.slice(0, 4))).toEqual(Array.from(mean));
  for (let p = 0; p < 4; p++) expect(set.percentiles!.data[4 + p]).toBeCloseTo(mean[p] + std[p], 3);
  const probs = Array.from(set.probabilities!.data);
  expect(probs[0]).toBeLessThan(1e-20); // 10 σ below
  expect(probs[1]).toBeCloseTo(0.5, 6);
  expect(probs[2]).toBeCloseTo(1, 6);
  const r = set.realizations!.data;
  for (let p = 0; p < 4; p++) {
    const raw = [0, 1, 2].map((i) => data[i * 4 + p]);
    const cal = [0, 1, 2].map((i) => r[i * 4 + p]);
    const order = (a: number[]) => [0, 1, 2].sort((i, j) => a[i] - a[j] || i - j);
    expect(order(cal)).toEqual(order(raw));
    // ECC-Q levels 1/4, 2/4, 3/4: the middle member is μ.
    expect([...cal].sort((a, b) => a - b)[1]).toBeCloseTo(mean[p], 3);
  }
});

test('a file with a step axis: valid time = initialisation + step', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'epp-step-'));
  try {
    const file = path.join(dir, 'f.nc');
    const init = Date.UTC(2020, 0, 1, 0) / 1000;
    await writeNetcdf(file, {
      dimensions: [
        { name: 'time', size: 1 },
        { name: 'step', size: 3 },
        { name: 'number', size: 2 },
        { name: 'latitude', size: 2 },
        { name: 'longitude', size: 2 },
      ],
      variables: [
        {
          name: 'time',
          dtype: 'double',
          dims: ['time'],
          data: [init],
          attrs: { units: 'seconds since 1970-01-01' },
        },
        { name: 'step', dtype: 'double', dims: ['step'], data: [0, 24, 48], attrs: { units: 'hours' } },
        { name: 'number', dtype: 'int', dims: ['number'], data: [0, 1], attrs: {} },
        {
          name: 'latitude',
          dtype: 'double',
          dims: ['latitude'],
          data: [10, 0],
          attrs: { units: 'degrees_north' },
        },
        {
          name: 'longitude',
          dtype: 'double',
          dims: ['longitude'],
          data: [0, 90],
          attrs: { units: 'degrees_east' },
        },
        {
          name: 't',
          dtype: 'float',
          dims: ['time', 'step', 'number', 'latitude', 'longitude'],
          data: Array.from({ length: 24 }, (_, i) => 270 + i),
          attrs: { units: 'K' },
        },
      ],
      attrs: {},
    });
    const ds = await openDataset(file);
    try {
      // Every step by default, the last of them 48 h after initialisation.
      const all = planField(ds, normaliseForecastRequest({ source: { path: 'f.nc' }, variable: 't' }));
      expect(all.times.length).toBeGreaterThan(1);
      expect(all.times[all.times.length - 1].validTime).toBe(init + 48 * 3600);
      for (const [time, hours] of [
        [-1, 48],
        [1, 24],
      ] as const) {
        const req = normaliseForecastRequest({
          source: { path: 'f.nc' },
          variable: 't',
          method: 'raw',
          time,
        });
        const field = readField(ds, req, planField(ds, req));
        expect(field.validTime).toBe(init + hours * 3600);
      }
    } finally {
      ds.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeRealData('mixed method with the committed default model on the real ERA5 file', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'epp-mixed-'));
    mkdirSync(path.join(root, 'inbox'));
    copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(root, 'inbox/era5.nc'));
    const to = path.join(root, 'models/default');
    mkdirSync(to, { recursive: true });
    for (const f of readdirSync('data/models/default'))
      if (statSync(path.join('data/models/default', f)).isFile())
        copyFileSync(path.join('data/models/default', f), path.join(to, f));
  });
  afterAll(() => {
    clearModelCache();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const request = (extra: Record<string, unknown> = {}) =>
    normaliseForecastRequest({
      source: { path: 'inbox/era5.nc' },
      variable: 't',
      level: 850,
      method: 'mixed',
      time: 1,
      ...extra,
    });
  const inputs = (req: ReturnType<typeof request>) => resolveForecastInputs(root, req);
  async function field(req: ReturnType<typeof request>): Promise<EnsembleField> {
    const ds = await openDataset(path.join(root, 'inbox/era5.nc'));
    try {
      return readField(ds, req, planField(ds, req));
    } finally {
      ds.close();
    }
  }

  test('σ > 0, μ within 5 K of the 10-member mean at the requested time; cached model, no tensor leak', async () => {
    const req = request();
    const f = await field(req);
    const opts = { timeIndex: 1, tfBackend: 'wasm' as const };
    const a = await mixedProducts(f, req, await inputs(req), opts);
    const tensors = tf.memory().numTensors;
    const b = await mixedProducts(f, req, await inputs(req), opts);
    expect(tf.memory().numTensors).toBe(tensors); // model reused from the cache, every tensor disposed
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    const all = await field(request({ members: '1-10' }));
    const n = f.ny * f.nx;
    let worst = 0;
    for (let p = 0; p < n; p++) {
      let m = 0;
      for (let k = 0; k < 10; k++) m += all.data[k * n + p] / 10;
      worst = Math.max(worst, Math.abs(a.mean[p] - m));
      expect(a.std[p]).toBeGreaterThan(0);
    }
    expect(worst).toBeLessThan(5);
    // Another time gives another forecast (the time index is honoured).
    const c = await mixedProducts(
      await field(request({ time: 3 })),
      request({ time: 3 }),
      await inputs(req),
      {
        ...opts,
        timeIndex: 3,
      },
    );
    expect(Array.from(c.mean)).not.toEqual(Array.from(a.mean));
  }, 60000);

  test('the job result and its file say the model was trained on a synthetic testbed, with the domain warning', async () => {
    const req = request();
    const r = await runForecastJob(
      { id: 'fc-era5', request: req, sourceStamp: 'x' },
      await resolveForecastPaths(root, 'fc-era5', req),
      { tfBackend: 'wasm' },
    );
    expect(r.provenance).toMatchObject({
      method: 'mixed',
      training_data_kind: 'synthetic testbed',
      domain_of_use: 'OUTSIDE the training data',
    });
    expect(String(r.provenance?.domain_warning)).toMatch(/trained on a synthetic testbed/);
    expect(String(r.provenance?.analysis_source)).toMatch(/no analysis given.*fallback/);
    const ds = await openDataset(path.join(root, r.outputs.nc));
    try {
      expect(ds.attrs.epp_training_data_kind).toBe('synthetic testbed');
      expect(String(ds.attrs.epp_domain_warning)).toMatch(/synthetic testbed/);
      expect(String(ds.attrs.epp_analysis_source)).toMatch(/fallback/);
    } finally {
      ds.close();
    }
  }, 60000);

  test('a target the model does not predict → ModelTargetError listing t850, z500', async () => {
    const req = request({ level: 500 });
    await expect(mixedProducts(await field(req), req, await inputs(req))).rejects.toThrow(ModelTargetError);
    await expect(mixedProducts(await field(req), req, await inputs(req))).rejects.toThrow(/t850, z500/);
  });
});
