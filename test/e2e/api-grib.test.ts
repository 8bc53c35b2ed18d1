/**
 * GRIB in through the service (embedded mode): a forecast job on the real ERA5 GRIB1 file gives the same
 * products as the same job on its NetCDF copy (raw products and the mixed default model), by path and by upload.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDataset } from '../../libs/netcdf/index.js';
import { describeRealData, realFile } from '../helpers/realData.js';
import { installDefaultModel } from './helpers/mixedScenario.js';
import {
  KEYS,
  makeDataRoot,
  removeDataRoot,
  requireBuild,
  startApi,
  waitForJob,
  type Api,
} from './helpers/service.js';

/** Every product variable of a result file, by name. */
async function products(bytes: Buffer): Promise<Map<string, Float32Array>> {
  const file = path.join(os.tmpdir(), `epp-e2e-grib-${process.pid}-${Date.now()}.nc`);
  writeFileSync(file, bytes);
  const ds = await openDataset(file);
  try {
    return new Map(
      ds.variables
        .filter((v) => v.dims.includes('latitude') && v.dims.includes('longitude'))
        .map((v) => [v.name, Float32Array.from(ds.readVariable(v.name).data)]),
    );
  } finally {
    ds.close();
  }
}

describeRealData('e2e: GRIB input', () => {
  let api: Api;
  let dataDir: string;
  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataRoot();
    copyFileSync(
      realFile('cfgrib_era5_eda/era5-levels-members.grib'),
      path.join(dataDir, 'inbox', 'era5.grib'),
    );
    installDefaultModel(dataDir);
    api = await startApi({ dataDir, extra: { EPP_UPLOAD_LIMIT: '6mb' } });
  }, 90000);
  afterAll(async () => {
    if (api) await api.stop('SIGTERM');
    if (dataDir) removeDataRoot(dataDir);
  });

  async function run(body: Record<string, unknown>): Promise<Map<string, Float32Array>> {
    const r = await api.req('POST', '/v1/forecasts', { json: body, key: KEYS.submit });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 120000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    const nc = await api.req('GET', `/v1/forecasts/${r.body.id}/result.nc`, { key: KEYS.read });
    expect(nc.status).toBe(200);
    return products(nc.bytes);
  }

  function expectSame(a: Map<string, Float32Array>, b: Map<string, Float32Array>): void {
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(a.size).toBeGreaterThan(2);
    for (const [name, x] of a) expect(Array.from(x)).toEqual(Array.from(b.get(name)!));
  }

  test.each(['raw', 'mixed'])(
    '%s t850: the GRIB and its NetCDF copy give the same products',
    async (method) => {
      const req = {
        variable: 't',
        level: 850,
        method,
        percentiles: [10, 50, 90],
        thresholds: [273.15],
        ...(method === 'mixed' ? { members: 5 } : {}),
      };
      const fromGrib = await run({ ...req, source: { path: 'inbox/era5.grib' } });
      const fromNc = await run({ ...req, source: { path: 'inbox/era5.nc' } });
      expect(fromGrib.has('air_temperature_mean')).toBe(true);
      expectSame(fromGrib, fromNc);
    },
    240000,
  );

  test('a GRIB upload runs like a path, stored as .grib, and the dataset listing describes it', async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(path.join(dataDir, 'inbox/era5.grib'))]), 'era5.grib');
    form.append('variable', 'z');
    form.append('level', '500');
    form.append('percentiles', '10,90');
    const r = await api.req('POST', '/v1/forecasts', { form, key: KEYS.submit });
    expect(r.status).toBe(202);
    const job = await waitForJob(api, r.body.id, 120000);
    expect(job.state).toBe('completed');
    expect(job.result.summary.members).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const uploads = readdirSync(path.join(dataDir, 'inbox/uploads'));
    expect(uploads.some((f) => /^[0-9a-f]{64}\.grib$/.test(f))).toBe(true);
    const ds = await api.req('GET', '/v1/datasets', { key: KEYS.read });
    const g = ds.body.datasets.find((d: { path: string }) => d.path === 'inbox/era5.grib');
    expect(g.memberAxis).toEqual({ name: 'number', size: 10 });
  }, 240000);

  test('a corrupt GRIB upload is a 422 naming the message and section', async () => {
    const bytes = readFileSync(path.join(dataDir, 'inbox/era5.grib')).subarray(0, 20000);
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'bad.grib');
    form.append('variable', 't');
    const r = await api.req('POST', '/v1/forecasts', { form, key: KEYS.submit });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('INVALID_GRIB');
    expect(r.body.error.message).toMatch(/GRIB1 message 2 \(byte 14760\) section 0: .*truncated/);
  });
});
