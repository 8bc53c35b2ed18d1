/**
 * The forecast scenario both queue modes must pass (embedded and BullMQ): the real ERA5 ensemble post-
 * processed with `raw` and with `emos` (coefficients fitted here, perfect-model style), results checked
 * against values computed independently from the input file, idempotent resubmission, every bad-input
 * status, and the worker still healthy afterwards.
 */
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { normaliseForecastRequest } from '../../../libs/contracts/jobs.js';
import { coefficientsFileSpec, EstimateEmos } from '../../../libs/emos/index.js';
import type { EnsembleField, Field2D } from '../../../libs/ensemble/types.js';
import { openDataset, writeNetcdf } from '../../../libs/netcdf/index.js';
import { planField, readField } from '../../../libs/pipeline/forecast/index.js';
import { KEYS, waitForJob, type Api, type Json } from './service.js';

const T850 = { source: { path: 'inbox/era5.nc' }, variable: 't', level: 850 };

/** t at 850 hPa, last time, members × points, read straight from the file (independent of the pipeline). */
async function referenceT850(dataDir: string): Promise<{ m: number; n: number; data: Float32Array }> {
  const ds = await openDataset(path.join(dataDir, 'inbox/era5.nc'));
  // dims (time=4, number=10, level=2 [500, 850], latitude=61, longitude=120)
  const v = ds.readVariable('t', { start: [3, 0, 1, 0, 0], count: [1, 10, 1, 61, 120] });
  ds.close();
  return { m: 10, n: 61 * 120, data: Float32Array.from(v.data) };
}

async function readResult(bytes: Buffer, name: string): Promise<Float32Array> {
  const file = path.join(os.tmpdir(), `epp-e2e-${process.pid}-${Date.now()}.nc`);
  writeFileSync(file, bytes);
  const ds = await openDataset(file);
  const data = Float32Array.from(ds.readVariable(name).data);
  ds.close();
  return data;
}

/** Fit global normal EMOS for t850 on members 2–10 against member 1 as truth (all 4 times), as model `default`. */
export async function fitEmosOnTheFly(dataDir: string): Promise<void> {
  const ds = await openDataset(path.join(dataDir, 'inbox/era5.nc'));
  const forecasts: EnsembleField[] = [];
  const truths: Field2D[] = [];
  for (let time = 0; time < 4; time++) {
    const req = normaliseForecastRequest({ ...T850, time, members: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] });
    const plan = planField(ds, req);
    const all = readField(ds, req, plan, plan.times[0]);
    const n = all.ny * all.nx;
    truths.push({ ...all, data: all.data.slice(0, n) });
    forecasts.push({ ...all, data: all.data.slice(n), members: all.members.slice(1) });
  }
  ds.close();
  const coeffs = new EstimateEmos({ distribution: 'norm' }).process(forecasts, truths);
  mkdirSync(path.join(dataDir, 'models/default/emos'), { recursive: true });
  await writeNetcdf(
    path.join(dataDir, 'models/default/emos/t850.nc'),
    coefficientsFileSpec(coeffs, 'e2e fit'),
  );
}

export function forecastScenario(ctx: () => { api: Api; dataDir: string }): void {
  let rawId = '';

  test('raw t850 on the real ERA5 ensemble: 202, same request twice → one job, correct NetCDF', async () => {
    const { api, dataDir } = ctx();
    const body = { ...T850, percentiles: [10, 50, 90], thresholds: [273.15] };
    const a = await api.req('POST', '/v1/forecasts', { json: body, key: KEYS.submit });
    expect(a.status).toBe(202);
    expect(a.body.id).toMatch(/^fc-[0-9a-f]{24}$/);
    const b = await api.req('POST', '/v1/forecasts', {
      // Same request, other key order and percentile order: normalised to the same id.
      json: {
        thresholds: [273.15],
        percentiles: [90, 50, 10],
        level: 850,
        variable: 't',
        source: { path: 'inbox/era5.nc' },
      },
      key: KEYS.submit,
    });
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.created).toBe(false);
    rawId = a.body.id;
    // By standard_name: resolved to the NetCDF name before the id, so the same job.
    const byStd = await api.req('POST', '/v1/forecasts', {
      json: { ...body, variable: 'air_temperature' },
      key: KEYS.submit,
    });
    expect(byStd.status).toBe(202);
    expect(byStd.body.id).toBe(rawId);
    // A surface alias never picks a pressure-level variable.
    const surf = await api.req('POST', '/v1/forecasts', {
      json: { ...body, variable: '2t' },
      key: KEYS.submit,
    });
    expect(surf.status).toBe(422);
    expect(surf.body.error.message).toMatch(/no variable '2t'.*off pressure levels/);
    const job = await waitForJob(api, rawId);
    expect(job.state).toBe('completed');
    expect(job.progress).toBe(1);
    expect(job.type).toBe('forecast');
    expect(job.error).toBeNull();
    expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
    expect(job.result.summary.members).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const nc = await api.req('GET', `/v1/forecasts/${rawId}/result.nc`, { key: KEYS.read });
    expect(nc.status).toBe(200);
    expect(nc.bytes.subarray(0, 3).toString('latin1')).toBe('CDF');
    // Every time by default (4 in the file): [time, latitude, longitude]; the reference is the last time.
    expect(job.result.summary.validTimes).toHaveLength(4);
    const last = 3 * 61 * 120;
    const mean = (await readResult(nc.bytes, 'air_temperature_mean')).subarray(last);
    const std = (await readResult(nc.bytes, 'air_temperature_std')).subarray(last);
    const prob = (await readResult(nc.bytes, 'probability_of_air_temperature_above_threshold')).subarray(
      last,
    );
    const below = (await readResult(nc.bytes, 'probability_of_air_temperature_below_threshold')).subarray(
      last,
    );
    const ref = await referenceT850(dataDir);
    let maxMean = 0;
    let maxStd = 0;
    let maxProb = 0;
    for (let p = 0; p < ref.n; p++) {
      let s = 0;
      let above = 0;
      let under = 0;
      for (let i = 0; i < ref.m; i++) {
        s += ref.data[i * ref.n + p];
        if (ref.data[i * ref.n + p] > 273.15) above++;
        if (ref.data[i * ref.n + p] < 273.15) under++;
      }
      maxProb = Math.max(maxProb, Math.abs(below[p] - under / ref.m));
      const mu = s / ref.m;
      let ss = 0;
      for (let i = 0; i < ref.m; i++) ss += (ref.data[i * ref.n + p] - mu) ** 2;
      maxMean = Math.max(maxMean, Math.abs(mean[p] - mu));
      maxStd = Math.max(maxStd, Math.abs(std[p] - Math.sqrt(ss / (ref.m - 1))));
      maxProb = Math.max(maxProb, Math.abs(prob[p] - above / ref.m));
    }
    expect(maxMean).toBeLessThan(1e-3); // K, float32 output
    expect(maxStd).toBeLessThan(1e-4);
    expect(maxProb).toBeLessThan(1e-6); // k/10 stored as float32

    const json = await api.req('GET', `/v1/forecasts/${rawId}/result.json`, { key: KEYS.read });
    expect(json.status).toBe(200);
    expect(json.body.products.map((p: { name: string }) => p.name)).toEqual([
      'air_temperature_mean',
      'air_temperature_std',
      'air_temperature',
      'probability_of_air_temperature_above_threshold',
      'probability_of_air_temperature_below_threshold',
    ]);
    expect(json.body.provenance).toMatchObject({ method: 'raw', input_file: 'era5.nc', input_variable: 't' });
    expect(job.result.provenance.input_sha256).toMatch(/^[0-9a-f]{64}$/);

    // Point query near London: the nearest grid point of the 3° grid is 51°N 0°E (row 13, column 0); the
    // series has every time, the shorthand fields the last.
    const pt = await api.req('GET', `/v1/forecasts/${rawId}/point?lat=51.5&lon=-0.1`, { key: KEYS.read });
    expect(pt.status).toBe(200);
    expect(pt.body.gridPoint).toEqual({ lat: 51, lon: 0 });
    expect(pt.body.times).toHaveLength(4);
    expect(pt.body.series.air_temperature_mean.values[3]).toBeCloseTo(mean[13 * 120 + 0], 4);
    const csv = await api.req('GET', `/v1/forecasts/${rawId}/point?lat=51.5&lon=-0.1&format=csv`, {
      key: KEYS.read,
    });
    expect(csv.status).toBe(200);
    expect(csv.text.trim().split('\n')).toHaveLength(5); // header + 4 times
    expect(csv.text.split('\n')[0]).toMatch(/^valid_time,air_temperature_mean,air_temperature_std,/);
    expect(pt.body.mean).toBeCloseTo(mean[13 * 120 + 0], 4);
    expect(pt.body.std).toBeCloseTo(std[13 * 120 + 0], 5);
    expect(Object.keys(pt.body.percentiles)).toEqual(['10', '50', '90']);
    expect(pt.body.percentiles['10']).toBeLessThanOrEqual(pt.body.percentiles['90']);

    const area = await api.req('GET', `/v1/forecasts/${rawId}/area?bbox=-10,40,20,60`, { key: KEYS.read });
    expect(area.status).toBe(200);
    expect(area.body.points).toBe(7 * 10); // latitudes 60..42 (7 rows), longitudes 351..18 (10 columns)
    expect(area.body.mean.min).toBeLessThanOrEqual(area.body.mean.mean);
  });

  test('server-sent events report the final state', async () => {
    const { api } = ctx();
    const r = await api.req('GET', `/v1/jobs/${rawId}/events`, { key: KEYS.read });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/event: progress/);
    expect(r.text).toMatch(/"state":"completed"/);
  });

  test('emos with coefficients fitted on the fly: μ = α + β·mean', async () => {
    const { api, dataDir } = ctx();
    await fitEmosOnTheFly(dataDir);
    const models = await api.req('GET', '/v1/models', { key: KEYS.read });
    expect(models.body.models.find((m: { id: string }) => m.id === 'default').emos).toContain('t850');
    const r = await api.req('POST', '/v1/forecasts', {
      json: {
        ...T850,
        method: 'emos',
        members: '2-10',
        products: ['mean', 'std', 'percentiles', 'realizations'],
      },
      key: KEYS.submit,
    });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    const nc = await api.req('GET', `/v1/forecasts/${r.body.id}/result.nc`, { key: KEYS.read });
    const last = 3 * 61 * 120; // every time (4); the reference is the last
    const mean = (await readResult(nc.bytes, 'air_temperature_mean')).subarray(last);
    const std = (await readResult(nc.bytes, 'air_temperature_std')).subarray(last);
    const reals = await readResult(nc.bytes, 'air_temperature_realizations');
    expect(reals.length).toBe(4 * 9 * 61 * 120);
    const cds = await openDataset(path.join(dataDir, 'models/default/emos/t850.nc'));
    const [alpha, beta, gamma, delta] = ['alpha', 'beta', 'gamma', 'delta'].map(
      (c) => cds.readVariable(`emos_coefficient_${c}`).data[0],
    );
    cds.close();
    const ref = await referenceT850(dataDir);
    let maxMu = 0;
    let maxSigma = 0;
    for (let p = 0; p < ref.n; p++) {
      let s = 0;
      for (let i = 1; i < 10; i++) s += ref.data[i * ref.n + p];
      const mu = s / 9;
      let ss = 0;
      for (let i = 1; i < 10; i++) ss += (ref.data[i * ref.n + p] - mu) ** 2;
      maxMu = Math.max(maxMu, Math.abs(mean[p] - (alpha + beta * mu)));
      maxSigma = Math.max(maxSigma, Math.abs(std[p] - Math.sqrt(gamma ** 2 + delta ** 2 * (ss / 8))));
    }
    expect(maxMu).toBeLessThan(1e-3);
    expect(maxSigma).toBeLessThan(1e-4);
  });

  test('bad input answers with its status, and the worker stays healthy', async () => {
    const { api, dataDir } = ctx();
    const post = (json: unknown, key: string | null = KEYS.submit) =>
      api.req('POST', '/v1/forecasts', { json, key });
    const code = (r: { body: Json }): string | undefined => r.body?.error?.code as string | undefined;

    const trunc = readFileSync(path.join(dataDir, 'inbox/era5.nc')).subarray(0, 100_000);
    const form = new FormData();
    form.append('file', new Blob([trunc]), 'truncated.nc');
    form.append('variable', 't');
    form.append('level', '850');
    const up = await api.req('POST', '/v1/forecasts', { form, key: KEYS.submit });
    expect([up.status, code(up)]).toEqual([422, 'INVALID_NETCDF']);
    expect(up.body.error.message).not.toContain(dataDir);

    const passwd = await post({ source: { path: '../../etc/passwd' }, variable: 't' });
    expect([passwd.status, code(passwd)]).toEqual([403, 'PATH_OUTSIDE_ROOT']);
    const abs = await post({ source: { path: '/etc/passwd' }, variable: 't' });
    expect(abs.status).toBe(403);

    const unknownVar = await post({ ...T850, variable: 'q' });
    expect([unknownVar.status, code(unknownVar)]).toEqual([422, 'NOT_FOUND_IN_FILE']);
    const unknownLevel = await post({ ...T850, level: 700 });
    expect(unknownLevel.status).toBe(422);
    const unknownModel = await post({ ...T850, method: 'emos', model: 'nope' });
    expect([unknownModel.status, code(unknownModel)]).toEqual([404, 'MODEL_NOT_FOUND']);
    const missingFile = await post({ ...T850, source: { path: 'inbox/none.nc' } });
    expect(missingFile.status).toBe(404);

    const noKey = await post(T850, null);
    expect([noKey.status, code(noKey)]).toEqual([401, 'UNAUTHORIZED']);
    const badKey = await post(T850, 'not-a-key-at-all');
    expect(badKey.status).toBe(401);
    const readOnly = await post(T850, KEYS.read);
    expect([readOnly.status, code(readOnly)]).toEqual([403, 'FORBIDDEN']);

    const invalid = await post({ ...T850, percentiles: [150], extra: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/percentiles/);
    expect(invalid.body.error.message).toMatch(/extra/);
    const badJson = await api.req('POST', '/v1/forecasts', { body: '{"variable":', key: KEYS.submit });
    expect(badJson.status).toBe(400);
    const huge = await post({ ...T850, thresholds: Array.from({ length: 40000 }, (_, i) => i) });
    expect([huge.status, code(huge)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const bigUpload = new FormData();
    bigUpload.append('file', new Blob([Buffer.alloc(7 * 1024 * 1024)]), 'big.nc');
    bigUpload.append('variable', 't');
    const big = await api.req('POST', '/v1/forecasts', { form: bigUpload, key: KEYS.submit });
    expect(big.status).toBe(413);

    expect((await api.req('GET', '/v1/jobs/fc-000000000000000000000000', { key: KEYS.read })).status).toBe(
      404,
    );
    expect((await api.req('GET', '/v1/forecasts/fc-000000000000000000000000/result.nc')).status).toBe(404);
    expect((await api.req('GET', '/v1/models/nope')).status).toBe(404);

    // Still healthy: /health is open and green (details only with a key), and a new job runs to completion.
    const health = await api.req('GET', '/health', { key: null });
    expect([health.status, health.body]).toEqual([200, { status: 'ok' }]);
    const detailed = await api.req('GET', '/health', { key: KEYS.read });
    expect(detailed.body.status).toBe('ok');
    expect(detailed.body.workers.length).toBeGreaterThan(0);
    const z = await post({ source: { path: 'inbox/era5.nc' }, variable: 'z', level: 500, members: 5 });
    expect(z.status).toBe(202);
    expect((await waitForJob(api, z.body.id)).state).toBe('completed');
  });

  test('a file upload runs like a path and is stored by content hash', async () => {
    const { api, dataDir } = ctx();
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path.join(dataDir, 'inbox/era5.nc'))]), 'era5.nc');
    form.append('variable', 't');
    form.append('level', '850');
    form.append('members', '1-5');
    form.append('percentiles', '10,90');
    const r = await api.req('POST', '/v1/forecasts', { form, key: KEYS.submit });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id);
    expect(job.state).toBe('completed');
    expect(job.result.summary.members).toEqual([0, 1, 2, 3, 4]);
  });

  test('datasets, models, docs and metrics', async () => {
    const { api } = ctx();
    const ds = await api.req('GET', '/v1/datasets', { key: KEYS.read });
    expect(ds.status).toBe(200);
    const era5 = ds.body.datasets.find((d: { path: string }) => d.path === 'inbox/era5.nc');
    expect(era5.memberAxis).toEqual({ name: 'number', size: 10 });
    const docs = await api.req('GET', '/docs-json', { key: null });
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/v1/forecasts', '/v1/jobs/{id}', '/health']),
    );
    const metrics = await api.req('GET', '/metrics', { key: null });
    expect(metrics.text).toMatch(/epp_jobs\{queue="forecast",state="completed"\} [1-9]/);
    expect(metrics.text).toMatch(/epp_queue_depth\{queue="forecast"\} 0/);
    expect(metrics.text).toMatch(
      /epp_job_duration_seconds_count\{queue="forecast",state="completed"\} [1-9]/,
    );
  });
}
