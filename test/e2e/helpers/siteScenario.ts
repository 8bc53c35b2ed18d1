/**
 * The site-job scenario both queue modes must pass (issue 12): the real GEFS Innsbruck minimum-temperature
 * archive (a few training years, so it takes seconds) through the API — fit an EMOS site model with 6 of 11
 * members → poll → predict → download the CF timeSeries prediction → one station as JSON — each result
 * compared with the same libs/sites calls made in this process on the same files; a DRN fit with a tiny
 * epoch count through the same job path; and every bad site file or request refused with a typed one-line
 * error before anything is queued.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNetcdf, openDataset } from '../../../libs/netcdf/index.js';
import { fitSiteFiles, predictSiteFiles } from '../../../libs/sites/files.js';
import { realSiteFile } from '../../helpers/realData.js';
import { KEYS, waitForJob, type Api, type Json } from './service.js';

export const SITE_DIR = 'inbox/sites/innsbruck-tmin';
const FORECAST = `${SITE_DIR}/forecast.nc`;
const OBS = `${SITE_DIR}/observation.csv`;
const FIT = {
  forecast: FORECAST,
  observations: OBS,
  variable: 'air_temperature',
  method: 'emos',
  members: 6,
  trainFrom: '2008-01-01',
  trainTo: '2011-01-01',
  model: 'ibk-tmin',
};
const PERIOD = { from: '2012-01-01', to: '2012-03-01' };

/** Put the Innsbruck tmin archive (checked against its SHA-256) under `inbox/sites/innsbruck-tmin/`. */
export function addSiteArchive(dataDir: string): void {
  mkdirSync(path.join(dataDir, SITE_DIR), { recursive: true });
  for (const f of ['forecast.nc', 'observation.csv'])
    copyFileSync(realSiteFile(`gefs-innsbruck-tmin/${f}`), path.join(dataDir, SITE_DIR, f));
}

/** Small hostile site files: no station identifier, a variable without a realization axis. */
async function writeBadFiles(dataDir: string): Promise<void> {
  const dir = path.join(dataDir, 'inbox/sites/bad');
  mkdirSync(dir, { recursive: true });
  const time = {
    name: 'time',
    dtype: 'double' as const,
    dims: ['time'],
    data: [86400, 172800],
    attrs: { units: 'seconds since 1970-01-01', standard_name: 'time' },
  };
  const realization = { name: 'realization', dtype: 'int' as const, dims: ['realization'], data: [0, 1, 2] };
  await writeNetcdf(path.join(dir, 'no-station-id.nc'), {
    dimensions: [
      { name: 'time', size: 2 },
      { name: 'station', size: 1 },
      { name: 'realization', size: 3 },
    ],
    variables: [
      time,
      realization,
      {
        name: 'air_temperature',
        dtype: 'float',
        dims: ['time', 'station', 'realization'],
        data: new Float32Array(6),
        attrs: { units: 'degC' },
      },
    ],
  });
  await writeNetcdf(path.join(dir, 'no-realization.nc'), {
    dimensions: [
      { name: 'time', size: 2 },
      { name: 'station', size: 1 },
      { name: 'id_strlen', size: 5 },
    ],
    variables: [
      time,
      {
        name: 'station_id',
        dtype: 'char',
        dims: ['station', 'id_strlen'],
        data: ['11120'],
        attrs: { cf_role: 'timeseries_id' },
      },
      {
        name: 'air_temperature',
        dtype: 'float',
        dims: ['time', 'station'],
        data: new Float32Array(2),
        attrs: { units: 'degC' },
      },
    ],
  });
}

async function readVar(bytes: Buffer, name: string): Promise<Float32Array> {
  const file = path.join(os.tmpdir(), `epp-sites-e2e-${process.pid}-${Date.now()}.nc`);
  writeFileSync(file, bytes);
  try {
    const ds = await openDataset(file);
    const v = Float32Array.from(ds.readVariable(name).data);
    ds.close();
    return v;
  } finally {
    rmSync(file, { force: true });
  }
}

function expectOneLineError(r: { status: number; body: Json }, status: number, code: string, match: RegExp) {
  expect([r.status, r.body?.error?.code]).toEqual([status, code]);
  expect(r.body.error.message).toMatch(match);
  expect(r.body.error.message).not.toMatch(/\n/);
}

export function siteScenario(ctx: () => { api: Api; dataDir: string }): void {
  let fitId = '';
  let predictId = '';
  let local: { dir: string; hash: string; mean: Float32Array } | undefined;

  afterAll(() => {
    if (local) rmSync(local.dir, { recursive: true, force: true });
  });

  test('site fit (emos, 6 of 11 members) → poll: a new model version equal to the same fit in-process', async () => {
    const { api, dataDir } = ctx();
    const r = await api.req('POST', '/v1/sites/models', { json: FIT });
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(/^sf-[0-9a-f]{24}$/);
    fitId = r.body.id;
    const again = await api.req('POST', '/v1/sites/models', { json: FIT });
    expect([again.status, again.body.id, again.body.created]).toEqual([202, fitId, false]);
    const job = await waitForJob(api, fitId, 60000);
    expect(job.error).toBeNull();
    expect([job.state, job.type]).toEqual(['completed', 'train']);
    expect(job.result).toMatchObject({
      model: 'ibk-tmin',
      version: 'v1',
      path: 'models/ibk-tmin/v1',
      method: 'emos',
    });
    expect(job.result.members).toEqual([0, 1, 2, 3, 4, 5]);
    expect(job.result.stations).toEqual(['11120']);
    expect(existsSync(path.join(dataDir, 'models/ibk-tmin/v1/sites/model.json'))).toBe(true);
    // The same fit through libs/sites here, on the same files: the same model.json (hash), so the job ran it.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-sites-local-'));
    const { hash } = await fitSiteFiles({
      forecast: path.join(dataDir, FORECAST),
      observations: path.join(dataDir, OBS),
      variable: 'air_temperature',
      method: 'emos',
      members: 6,
      trainFrom: Date.parse('2008-01-01T00:00:00Z') / 1000,
      trainTo: Date.parse('2011-01-01T00:00:00Z') / 1000,
      out: path.join(dir, 'model'),
    });
    expect(job.result.modelHash).toBe(hash);
    const { prediction } = await predictSiteFiles({
      model: path.join(dir, 'model'),
      forecast: path.join(dataDir, FORECAST),
      out: path.join(dir, 'prediction.nc'),
      period: {
        from: Date.parse('2012-01-01T00:00:00Z') / 1000,
        to: Date.parse('2012-03-01T00:00:00Z') / 1000,
      },
    });
    local = { dir, hash, mean: prediction.mean };
    // The model lists the site version.
    const m = await api.req('GET', '/v1/models/ibk-tmin', { key: KEYS.read });
    expect(m.status).toBe(200);
    expect(JSON.stringify(m.body)).toMatch(/"v1"/);
  });

  test('site predict → poll → download prediction.nc → one station as JSON', async () => {
    const { api } = ctx();
    const r = await api.req('POST', '/v1/sites/predictions', {
      key: KEYS.submit,
      json: { forecast: FORECAST, model: 'ibk-tmin', ...PERIOD },
    });
    expect(r.status).toBe(202);
    expect(r.body.id).toMatch(/^sp-[0-9a-f]{24}$/);
    expect(r.body.model).toBe('ibk-tmin@v1');
    expect(r.body.links.nc).toBe(`/v1/sites/predictions/${r.body.id}/prediction.nc`);
    predictId = r.body.id;
    const job = await waitForJob(api, predictId, 60000);
    expect(job.error).toBeNull();
    expect([job.state, job.type]).toEqual(['completed', 'forecast']);
    expect(job.result.outputs.nc).toBe(`outputs/${predictId}/prediction.nc`);
    expect(job.result.summary).toMatchObject({
      variable: 'air_temperature',
      model: 'ibk-tmin@v1',
      modelHash: local!.hash,
    });
    const n = local!.mean.length;
    expect(job.result.summary.validTimes).toHaveLength(n);
    expect(job.result.summary.predicted).toBe(n);

    const nc = await api.req('GET', `/v1/sites/predictions/${predictId}/prediction.nc`, { key: KEYS.read });
    expect(nc.status).toBe(200);
    expect(nc.bytes.subarray(0, 3).toString('latin1')).toBe('CDF');
    const mean = await readVar(nc.bytes, 'air_temperature_mean');
    expect(Array.from(mean)).toEqual(Array.from(local!.mean));
    const p50 = await readVar(nc.bytes, 'air_temperature');
    expect(p50.length).toBe(99 * n);

    const s = await api.req('GET', `/v1/sites/predictions/${predictId}/stations/11120?percentiles=10,50,90`, {
      key: KEYS.read,
    });
    expect(s.status).toBe(200);
    expect(s.body.station.id).toBe('11120');
    expect(s.body.units).toBe('degC');
    expect(s.body.times).toEqual(job.result.summary.validTimes);
    expect(s.body.mean).toEqual(Array.from(local!.mean));
    expect(Object.keys(s.body.percentiles).sort()).toEqual(['10', '50', '90']);
    for (let t = 0; t < n; t++) {
      const [q10, q50, q90] = ['10', '50', '90'].map((k) => s.body.percentiles[k][t] as number);
      expect(q10).toBeLessThan(q50);
      expect(q50).toBeLessThan(q90);
      // A normal predictive distribution: the median is the mean.
      expect(Math.abs(q50 - s.body.mean[t])).toBeLessThan(1e-3);
    }
    expect(s.body.probabilities).toHaveLength(1);
    expect(s.body.probabilities[0].threshold).toBe(0);
    expect(s.body.provenance.epp_members_used).toBe('0,1,2,3,4,5');

    const missing = await api.req('GET', `/v1/sites/predictions/${predictId}/stations/99999`, {
      key: KEYS.read,
    });
    expectOneLineError(missing, 404, 'NOT_FOUND', /no station "99999"/);
    const notSite = await api.req('GET', '/v1/sites/predictions/fc-0123456789abcdef01234567/result.json', {
      key: KEYS.read,
    });
    expect(notSite.status).toBe(400);
    const summary = await api.req('GET', `/v1/sites/predictions/${predictId}/result.json`, {
      key: KEYS.read,
    });
    expect([summary.status, summary.body.id]).toEqual([200, predictId]);
  });

  test('a DRN site model through the same job path (1 seed, 3 epochs), then a prediction with it', async () => {
    const { api } = ctx();
    const r = await api.req('POST', '/v1/sites/models', {
      json: { ...FIT, method: 'drn', model: 'ibk-tmin-drn', seeds: 1, epochs: 3 },
    });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 120000);
    expect(job.error).toBeNull();
    expect(job.result).toMatchObject({ model: 'ibk-tmin-drn', version: 'v1', method: 'drn' });
    expect(job.result.drnEpochs).toHaveLength(1);
    expect(job.result.drnEpochs[0]).toBeLessThanOrEqual(3);
    const p = await api.req('POST', '/v1/sites/predictions', {
      json: { forecast: FORECAST, model: 'ibk-tmin-drn@v1', ...PERIOD },
    });
    expect(p.status).toBe(202);
    const pj = await waitForJob(api, p.body.id, 60000);
    expect(pj.error).toBeNull();
    expect(pj.result.summary).toMatchObject({ method: 'drn', predicted: local!.mean.length });
  });

  test('bad site files and requests fail closed with typed one-line errors, before anything is queued', async () => {
    const { api, dataDir } = ctx();
    await writeBadFiles(dataDir);
    const before = (await api.req('GET', '/v1/jobs?limit=1000', { key: KEYS.read })).body.total;
    const fit = (over: Record<string, unknown>) =>
      api.req('POST', '/v1/sites/models', { json: { ...FIT, ...over } });
    expectOneLineError(
      await fit({ forecast: 'inbox/sites/bad/no-station-id.nc' }),
      422,
      'NOT_FOUND_IN_FILE',
      /no-station-id\.nc: no station identifier \(a variable with cf_role = timeseries_id/,
    );
    expectOneLineError(
      await fit({ forecast: 'inbox/sites/bad/no-realization.nc' }),
      422,
      'NOT_FOUND_IN_FILE',
      /no-realization\.nc: variable 'air_temperature' has no realization dimension/,
    );
    expectOneLineError(
      await fit({ variable: 'precipitation_amount' }),
      422,
      'NOT_FOUND_IN_FILE',
      /forecast\.nc: no variable 'precipitation_amount'/,
    );
    expectOneLineError(
      await fit({ members: 20 }),
      422,
      'MISMATCH',
      /has 11 realizations, fewer than the 20 asked for/,
    );
    expectOneLineError(await fit({ members: [0, 42] }), 422, 'MISMATCH', /has no member 42/);
    expectOneLineError(
      await fit({ trainFrom: '1990-01-01', trainTo: '1991-01-01' }),
      422,
      'INVALID_DATA',
      /no training pairs with validity time in \[1990-01-01/,
    );
    expectOneLineError(await fit({ colour: 'red' }), 400, 'INVALID_ARGUMENT', /colour/);
    expectOneLineError(
      await fit({ method: 'mixed' }),
      400,
      'INVALID_ARGUMENT',
      /method must be one of emos, drn/,
    );
    expectOneLineError(
      await fit({ observations: '../etc/passwd' }),
      403,
      'PATH_OUTSIDE_ROOT',
      /must not contain '\.\.'/,
    );
    expectOneLineError(await fit({ observations: `${SITE_DIR}/nope.csv` }), 404, 'FILE_ACCESS', /nope\.csv/);
    const predict = (over: Record<string, unknown>) =>
      api.req('POST', '/v1/sites/predictions', { json: { forecast: FORECAST, model: 'ibk-tmin', ...over } });
    expectOneLineError(await predict({ model: 'nosuchmodel' }), 404, 'MODEL_NOT_FOUND', /nosuchmodel/);
    expectOneLineError(
      await predict({ from: '1990-01-01', to: '1990-02-01' }),
      400,
      'INVALID_ARGUMENT',
      /no forecast times in/,
    );
    expectOneLineError(
      await predict({ forecast: 'inbox/sites/bad/no-station-id.nc' }),
      422,
      'NOT_FOUND_IN_FILE',
      /no station identifier/,
    );
    expectOneLineError(await predict({ thresholds: 'a,b' }), 400, 'INVALID_ARGUMENT', /thresholds/);
    // Uploads: a garbage "forecast" is refused and not kept; observations as CSV are stored by content hash.
    const junk = new FormData();
    junk.set('file', new Blob([Buffer.from('CDF\x01garbage that is not netcdf')]), 'f.nc');
    junk.set('role', 'forecast');
    junk.set('variable', 'air_temperature');
    const bad = await api.req('POST', '/v1/sites/files', { form: junk });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/the uploaded file/);
    expect(bad.body.error.message).not.toMatch(/\n|tmp\/uploads/);
    const csv = new FormData();
    csv.set('file', new Blob([readFileSync(path.join(dataDir, OBS))]), 'observation.csv');
    csv.set('role', 'observations');
    csv.set('variable', 'air_temperature');
    const ok = await api.req('POST', '/v1/sites/files', { key: KEYS.submit, form: csv });
    expect(ok.status).toBe(201);
    expect(ok.body.path).toMatch(/^inbox\/uploads\/sites\/[0-9a-f]{64}\.csv$/);
    expect(ok.body.stations).toEqual(['11120']);
    expect(existsSync(path.join(dataDir, ok.body.path))).toBe(true);
    const after = (await api.req('GET', '/v1/jobs?limit=1000', { key: KEYS.read })).body.total;
    expect(after).toBe(before);
  });

  test('a multipart prediction with the forecast uploaded gives the same prediction as the path', async () => {
    const { api, dataDir } = ctx();
    const form = new FormData();
    form.set('file', new Blob([readFileSync(path.join(dataDir, FORECAST))]), 'forecast.nc');
    form.set('model', 'ibk-tmin');
    form.set('from', PERIOD.from);
    form.set('to', PERIOD.to);
    const r = await api.req('POST', '/v1/sites/predictions', { key: KEYS.submit, form });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 60000);
    expect(job.error).toBeNull();
    const s = await api.req('GET', `/v1/sites/predictions/${r.body.id}/stations/11120`, { key: KEYS.read });
    expect(s.body.mean).toEqual(Array.from(local!.mean));
  });
}
