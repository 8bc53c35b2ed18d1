/**
 * The `mixed` method in both queue modes: the committed default model (data/models/default) on the real ERA5
 * ensemble, members 1–5, t850 at the last time. Checked against the input file: σ > 0 everywhere, μ within
 * 5 K of the 10-member mean (issue 6 acceptance), the point query, a bbox crop, and a target the model does
 * not predict → 422 listing the model's targets.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDataset } from '../../../libs/netcdf/index.js';
import { KEYS, waitForJob, type Api } from './service.js';

const DEFAULT_MODEL = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../data/models/default',
);
const T850 = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850, method: 'mixed' };

/** Copy the committed default model's files (not its emos/ folder, which other tests fit) into the data root. */
export function installDefaultModel(dataDir: string): void {
  const to = path.join(dataDir, 'models/default');
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(DEFAULT_MODEL))
    if (statSync(path.join(DEFAULT_MODEL, f)).isFile())
      copyFileSync(path.join(DEFAULT_MODEL, f), path.join(to, f));
}

async function ncVariable(bytes: Buffer, name: string): Promise<Float32Array> {
  const file = path.join(os.tmpdir(), `epp-e2e-mixed-${process.pid}-${Date.now()}.nc`);
  writeFileSync(file, bytes);
  const ds = await openDataset(file);
  try {
    return Float32Array.from(ds.readVariable(name).data);
  } finally {
    ds.close();
  }
}

/** 10-member mean of t at 850 hPa at the last time, read straight from the file. */
async function tenMemberMean(dataDir: string): Promise<Float64Array> {
  const ds = await openDataset(path.join(dataDir, 'inbox/era5.nc'));
  // dims (time=4, number=10, level=2 [500, 850], latitude=61, longitude=120)
  const v = ds.readVariable('t', { start: [3, 0, 1, 0, 0], count: [1, 10, 1, 61, 120] });
  ds.close();
  const n = 61 * 120;
  const mean = new Float64Array(n);
  for (let i = 0; i < 10; i++) for (let p = 0; p < n; p++) mean[p] += v.data[i * n + p] / 10;
  return mean;
}

export function mixedScenario(ctx: () => { api: Api; dataDir: string }): void {
  test('mixed with the default model: σ > 0, μ within 5 K of the 10-member mean, point query', async () => {
    const { api, dataDir } = ctx();
    installDefaultModel(dataDir);
    const body = { ...T850, percentiles: [10, 50, 90], thresholds: [273.15] };
    const r = await api.req('POST', '/v1/forecasts', {
      json: { ...body, products: ['mean', 'std', 'percentiles', 'probabilities', 'realizations'] },
      key: KEYS.submit,
    });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 120000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    const s = job.result.summary;
    expect(s.method).toBe('mixed');
    expect(s.model).toBe('default@v0'); // the version, fixed at submission (the flat folder is v0)
    expect(s.members).toEqual([0, 1, 2, 3, 4]); // positions 1–5 → ERA5 numbers 0–4
    expect(s.validTime).toBe('2017-01-02T12:00:00.000Z'); // the file's last time
    expect(s.validTimes).toHaveLength(4); // every time by default
    expect(s.std.min).toBeGreaterThan(0);

    const nc = await api.req('GET', `/v1/forecasts/${r.body.id}/result.nc`, { key: KEYS.read });
    expect(nc.status).toBe(200);
    const ref = await tenMemberMean(dataDir);
    const last = 3 * ref.length; // [time, latitude, longitude]: the reference is the last time
    const mean = (await ncVariable(nc.bytes, 'air_temperature_mean')).subarray(last);
    const std = (await ncVariable(nc.bytes, 'air_temperature_std')).subarray(last);
    const reals = await ncVariable(nc.bytes, 'air_temperature_realizations');
    expect(mean.length).toBe(ref.length);
    expect(reals.length).toBe(4 * 5 * ref.length);
    let maxDiff = 0;
    let minStd = Infinity;
    for (let p = 0; p < ref.length; p++) {
      maxDiff = Math.max(maxDiff, Math.abs(mean[p] - ref[p]));
      minStd = Math.min(minStd, std[p]);
    }
    expect(maxDiff).toBeLessThan(5); // K (issue 6 acceptance)
    expect(minStd).toBeGreaterThan(0);

    const pt = await api.req('GET', `/v1/forecasts/${r.body.id}/point?lat=51.5&lon=-0.1`, { key: KEYS.read });
    expect(pt.status).toBe(200);
    expect(pt.body.gridPoint).toEqual({ lat: 51, lon: 0 });
    expect(pt.body.mean).toBeCloseTo(mean[13 * 120], 4);
    expect(pt.body.std).toBeCloseTo(std[13 * 120], 5);
    expect(pt.body.std).toBeGreaterThan(0);
    // Gaussian percentiles: the median is μ, 10 % and 90 % are μ ∓ 1.2816 σ.
    expect(pt.body.percentiles['50']).toBeCloseTo(pt.body.mean, 3);
    expect(pt.body.percentiles['90'] - pt.body.percentiles['10']).toBeCloseTo(2 * 1.2815516 * pt.body.std, 3);

    // A bbox run crops μ, σ computed on the full grid: same values at the same points.
    const box = await api.req('POST', '/v1/forecasts', {
      json: { ...T850, bbox: [-10, 40, 20, 60], time: -1 },
      key: KEYS.submit,
    });
    expect(box.status).toBe(202);
    const boxJob = await waitForJob(api, box.body.id, 120000);
    expect(boxJob.state).toBe('completed');
    const boxNc = await api.req('GET', `/v1/forecasts/${box.body.id}/result.nc`, { key: KEYS.read });
    const boxMean = await ncVariable(boxNc.bytes, 'air_temperature_mean');
    expect(boxMean.length).toBe(7 * 10);
    // Every cropped point equals the full-grid value at its latitude and longitude.
    const lats = await ncVariable(boxNc.bytes, 'latitude');
    const lons = await ncVariable(boxNc.bytes, 'longitude');
    expect(lats.length * lons.length).toBe(70);
    let maxBoxDiff = 0;
    lats.forEach((lat, j) =>
      lons.forEach((lon, i) => {
        const p = Math.round((90 - lat) / 3) * 120 + Math.round((((lon % 360) + 360) % 360) / 3);
        maxBoxDiff = Math.max(maxBoxDiff, Math.abs(boxMean[j * lons.length + i] - mean[p]));
      }),
    );
    expect(maxBoxDiff).toBeLessThan(1e-4);
  }, 240000);

  test('mixed for a target the model does not predict → 422 listing its targets', async () => {
    const { api } = ctx();
    const r = await api.req('POST', '/v1/forecasts', { json: { ...T850, level: 500 }, key: KEYS.submit });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('MISMATCH');
    expect(r.body.error.message).toContain('t850, z500');
    const members = await api.req('POST', '/v1/forecasts', {
      json: { ...T850, members: '1-3' },
      key: KEYS.submit,
    });
    expect(members.status).toBe(422);
  });
}
