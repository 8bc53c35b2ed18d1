/**
 * The one product writer on real data: the MOGREPS-UK EMOS product through the service's job path
 * (`runForecast`, what API jobs run) keeps the LAEA grid mapping, x/y, 2-D lat/lon, forecast_reference_time,
 * forecast_period, height and standard names; its attributes equal IMPROVER's known-good outputs; ncdump -h
 * and xarray read the same metadata; `epp emos apply` (the CLI) makes the same bytes apart from the history
 * timestamp; a bilinear point query equals an independent bilinear interpolation (and scipy's).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jobIdFor, normaliseForecastRequest } from '../../../libs/contracts/jobs.js';
import { laeaInverse, laeaParamsFromAttrs } from '../../../libs/ensemble/laea.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import type { Dataset } from '../../../libs/netcdf/types.js';
import { applyEmosFile, loadForecastResult, pointSeries } from '../../../libs/pipeline/forecast/index.js';
import { resolveForecastResult } from '../../../libs/service/job-paths.js';
import { runForecast } from '../../../libs/service/run-job.js';
import { describeRealData, realFile } from '../../helpers/realData.js';

const DIR = 'improver_test_data/apply-emos-coefficients';
const PY = '/usr/bin/python3';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'epp-products-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Attributes of a variable with numbers as plain numbers (scalars unwrapped) for comparison. */
function attrs(ds: Dataset, name: string, drop: string[] = []): Record<string, unknown> {
  const a = ds.variable(name).attrs;
  return Object.fromEntries(
    Object.entries(a)
      .filter(([k]) => !drop.includes(k))
      .map(([k, v]) => [k, Array.isArray(v) && v.length === 1 ? v[0] : v]),
  );
}

async function emosJob(extra: Record<string, unknown> = {}): Promise<{ id: string; nc: string }> {
  mkdirSync(path.join(root, 'inbox'), { recursive: true });
  mkdirSync(path.join(root, 'models/mogreps/emos'), { recursive: true });
  copyFileSync(realFile(`${DIR}/normal/input.nc`), path.join(root, 'inbox/input.nc'));
  copyFileSync(
    realFile(`${DIR}/normal/normal_coefficients.nc`),
    path.join(root, 'models/mogreps/emos/air_temperature.nc'),
  );
  const request = normaliseForecastRequest({
    source: { path: 'inbox/input.nc' },
    variable: 'air_temperature',
    method: 'emos',
    model: 'mogreps',
    percentiles: [10, 50, 90],
    thresholds: [280, 285],
    ...extra,
  });
  const id = jobIdFor('forecast', request, 'test');
  await runForecast({ id, request, sourceStamp: 'test' }, { dataDir: root });
  return { id, nc: path.join(root, 'outputs', id, 'result.nc') };
}

describeRealData('product writer on MOGREPS-UK EMOS', () => {
  let job: { id: string; nc: string };
  beforeAll(async () => {
    job = await emosJob();
  }, 120_000);

  test('grid mapping, x/y, lat/lon, times, height and standard names; attributes equal IMPROVER KGO', async () => {
    const ds = await openDataset(job.nc);
    const kgo = await openDataset(realFile(`${DIR}/normal/kgo.nc`));
    const pkgo = await openDataset(realFile(`${DIR}/percentiles/kgo.nc`));
    const qkgo = await openDataset(realFile(`${DIR}/probabilities/kgo.nc`));
    try {
      const gm = 'lambert_azimuthal_equal_area';
      expect(attrs(ds, gm)).toEqual(attrs(kgo, gm));
      for (const c of ['projection_x_coordinate', 'projection_y_coordinate'])
        expect(attrs(ds, c)).toEqual(attrs(kgo, c, ['bounds']));
      for (const c of ['forecast_period', 'forecast_reference_time', 'height'])
        expect(attrs(ds, c)).toEqual(attrs(kgo, c));
      expect(attrs(ds, 'time')).toEqual(attrs(kgo, 'time'));
      expect(attrs(ds, 'percentile')).toEqual(attrs(pkgo, 'percentile'));
      expect(attrs(ds, 'threshold')).toEqual(attrs(qkgo, 'threshold'));
      // Same scalar values as IMPROVER's file for the same input.
      for (const c of ['forecast_period', 'forecast_reference_time', 'height'])
        expect(ds.readVariable(c).data[0]).toBeCloseTo(kgo.readVariable(c).data[0], 3);
      expect(ds.readTime('time')[0]).toBe(kgo.readTime('time')[0]);
      const p = 'probability_of_air_temperature_above_threshold';
      expect(ds.variable(p).attrs.long_name).toBe(qkgo.variable(p).attrs.long_name);
      expect(ds.variable(p).attrs.units).toBe('1');
      for (const v of ['air_temperature_mean', 'air_temperature_std', 'air_temperature', p]) {
        expect(ds.variable(v).attrs.grid_mapping).toBe(gm);
        expect(String(ds.variable(v).attrs.coordinates).split(' ')).toEqual(
          expect.arrayContaining([
            'forecast_period',
            'forecast_reference_time',
            'height',
            'latitude',
            'longitude',
          ]),
        );
      }
      expect(ds.variable('air_temperature_mean').attrs.standard_name).toBe('air_temperature');
      expect(String(ds.variable('air_temperature_mean').attrs.cell_methods)).toMatch(
        /^realization: mean \(comment: EMOS/,
      );
      expect(
        ds.variable('probability_of_air_temperature_below_threshold').attrs.spp__relative_to_threshold,
      ).toBe('less_than');
      expect(ds.variable('latitude').dims).toEqual(['projection_y_coordinate', 'projection_x_coordinate']);
      expect(ds.attrs.epp_method).toBe('emos');
      expect(ds.attrs.epp_model).toBe('mogreps');
      expect(String(ds.attrs.epp_model_sha256)).toMatch(/^[0-9a-f]{64}$/);
      expect(String(ds.attrs.epp_input_sha256)).toMatch(/^[0-9a-f]{64}$/);
      expect(ds.attrs.epp_input_variable).toBe('air_temperature');
      for (const g of ['Conventions', 'title', 'source', 'institution', 'history'])
        expect(ds.attrs[g]).toBeTruthy();
    } finally {
      ds.close();
      kgo.close();
      pkgo.close();
      qkgo.close();
    }
  });

  test('ncdump -h and xarray read the same metadata', () => {
    const header = execFileSync('ncdump', ['-h', job.nc], { encoding: 'utf8' });
    const py = `
import json, sys, xarray as xr
ds = xr.open_dataset(sys.argv[1], decode_times=False)
out = {}
for n in list(ds.variables):
    v = ds[n]
    out[n] = {k: (str(a) if isinstance(a, str) else float(a)) for k, a in v.attrs.items()
              if k in ('standard_name', 'grid_mapping_name', 'grid_mapping', 'spp__relative_to_threshold', 'units')}
    out[n]['dims'] = list(v.dims)
    out[n]['coord'] = n in ds.coords
print(json.dumps(out))`;
    const x = JSON.parse(execFileSync(PY, ['-c', py, job.nc], { encoding: 'utf8' })) as Record<
      string,
      Record<string, unknown>
    >;
    // Every variable ncdump lists, xarray lists, with the same dims and the same checked attributes.
    const declared = [...header.matchAll(/^\t\S+ (\w+)(?:\(([^)\n]*)\))? ;$/gm)].map((m) => ({
      name: m[1],
      dims: m[2] ? m[2].split(', ') : [],
    }));
    expect(declared.length).toBeGreaterThan(10);
    for (const d of declared) {
      expect(x[d.name]).toBeDefined();
      expect(x[d.name].dims).toEqual(d.dims);
      for (const k of ['standard_name', 'grid_mapping', 'spp__relative_to_threshold', 'units']) {
        const m = new RegExp(`^\\t\\t${d.name}:${k} = "([^"]*)" ;$`, 'm').exec(header);
        if (k === 'grid_mapping' && m) continue; // xarray moves grid_mapping into encoding (CF decoding)
        expect(m?.[1]).toBe(x[d.name][k] as string | undefined);
      }
    }
    // CF decoding: the auxiliary coordinates become coordinates in xarray.
    for (const c of ['latitude', 'longitude', 'forecast_period', 'forecast_reference_time', 'height'])
      expect(x[c].coord).toBe(true);
    expect(x.lambert_azimuthal_equal_area.grid_mapping_name).toBe('lambert_azimuthal_equal_area');
  });

  test('the CLI (epp emos apply) writes the same bytes as the API job, apart from the history time', () => {
    const out = path.join(root, 'cli.nc');
    execFileSync(process.execPath, [
      'dist/apps/cli/main.js',
      'emos',
      'apply',
      '--forecast',
      path.join(root, 'inbox/input.nc'),
      '--coefficients',
      path.join(root, 'models/mogreps/emos/air_temperature.nc'),
      '--out',
      out,
      '--percentiles',
      '90,10,50',
      '--thresholds',
      '285,280',
      '--layout',
      'cf',
      '--model-id',
      'mogreps',
    ]);
    const mask = (b: Buffer) =>
      Buffer.from(
        b.toString('latin1').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z epp/g, 'T epp'),
        'latin1',
      );
    const api = readFileSync(job.nc);
    const cli = readFileSync(out);
    expect(cli.length).toBe(api.length);
    expect(mask(cli).equals(mask(api))).toBe(true);
  }, 120_000);

  test('bilinear point time series equals an independent bilinear interpolation (and scipy)', async () => {
    const r = await loadForecastResult(resolveForecastResult(root, job.id), job.id);
    const ds = await openDataset(job.nc);
    try {
      const y = ds.readVariable('projection_y_coordinate').data;
      const x = ds.readVariable('projection_x_coordinate').data;
      const nx = x.length;
      // A point 30 % / 70 % of the way between grid points, as latitude/longitude (Snyder inverse).
      const [j, i, ty, tx] = [87, 113, 0.7, 0.3];
      const px = x[i] + tx * (x[i + 1] - x[i]);
      const py = y[j] + ty * (y[j + 1] - y[j]);
      const [lat, lon] = laeaInverse(laeaParamsFromAttrs(ds.variable('lambert_azimuthal_equal_area').attrs))(
        px,
        py,
      );
      const s = pointSeries(r, lat, lon, 'bilinear');
      expect(s.times).toEqual(['2017-06-05T15:00:00.000Z']);
      let checked = 0;
      for (const info of r.result.products) {
        const data = ds.readVariable(info.name).data;
        const per = info.coordinate?.length ?? 1;
        for (let k = 0; k < per; k++) {
          const v = (jj: number, ii: number) => data[k * y.length * nx + jj * nx + ii];
          const want =
            (1 - ty) * ((1 - tx) * v(j, i) + tx * v(j, i + 1)) +
            ty * ((1 - tx) * v(j + 1, i) + tx * v(j + 1, i + 1));
          const e = s.series[info.name];
          const got = info.coordinate ? e.byCoordinate![String(info.coordinate[k])][0] : e.values![0];
          expect(Math.abs((got as number) - want)).toBeLessThan(1e-5);
          checked++;
        }
      }
      expect(checked).toBe(2 + 3 + 2 + 2);
      const py2 = `
import json, sys, numpy as np, xarray as xr
from scipy.interpolate import RegularGridInterpolator
ds = xr.open_dataset(sys.argv[1], decode_times=False)
px, py = float(sys.argv[2]), float(sys.argv[3])
out = {}
for n, v in ds.data_vars.items():
    if 'projection_x_coordinate' not in v.dims or v.ndim < 3: continue
    a = v.isel(time=0).values
    a = a.reshape((-1,) + a.shape[-2:])
    out[n] = [float(RegularGridInterpolator((ds.projection_y_coordinate.values, ds.projection_x_coordinate.values), a[k])((py, px))) for k in range(a.shape[0])]
print(json.dumps(out))`;
      const sc = JSON.parse(
        execFileSync(PY, ['-c', py2, job.nc, String(px), String(py)], { encoding: 'utf8' }),
      ) as Record<string, number[]>;
      for (const info of r.result.products) {
        const e = s.series[info.name];
        const got = info.coordinate
          ? info.coordinate.map((c) => e.byCoordinate![String(c)][0])
          : [e.values![0]];
        got.forEach((g, k) => expect(Math.abs((g as number) - sc[info.name][k])).toBeLessThan(1e-5));
      }
    } finally {
      ds.close();
    }
  });

  test('percentile-form input (IMPROVER `percentile` coordinate) is an ensemble of quantiles: EMOS equals the KGO', async () => {
    copyFileSync(realFile(`${DIR}/percentiles/input.nc`), path.join(root, 'inbox/percentiles.nc'));
    const kgo = await openDataset(realFile(`${DIR}/percentiles/kgo.nc`));
    const levels = Array.from(kgo.readVariable('percentile').data);
    const request = normaliseForecastRequest({
      source: { path: 'inbox/percentiles.nc' },
      variable: 'air_temperature',
      method: 'emos',
      model: 'mogreps',
      products: ['mean', 'std', 'percentiles'],
      percentiles: levels,
    });
    const id = jobIdFor('forecast', request, 'test');
    const res = await runForecast({ id, request, sourceStamp: 'test' }, { dataDir: root });
    expect(res.summary.members).toHaveLength(18);
    const ds = await openDataset(path.join(root, 'outputs', id, 'result.nc'));
    try {
      const got = ds.readVariable('air_temperature').data; // [time=1, percentile, y, x]
      const want = kgo.readVariable('air_temperature').data; // [percentile, y, x]
      expect(got.length).toBe(want.length);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      console.log(`percentile input vs IMPROVER KGO: max |Δ| = ${worst.toExponential(2)} K`);
      expect(worst).toBeLessThan(1e-3);
    } finally {
      ds.close();
      kgo.close();
    }
  }, 120_000);

  test('layout improver (the CLI default): one time as scalar coordinates, members in a second file, as the KGO', async () => {
    const out = path.join(root, 'improver.nc');
    const written = await applyEmosFile({
      forecast: path.join(root, 'inbox/input.nc'),
      coefficients: path.join(root, 'models/mogreps/emos/air_temperature.nc'),
      out,
      realizations: true,
    });
    expect(written).toEqual([out, out.replace(/\.nc$/, '_realizations.nc')]);
    const ds = await openDataset(written[1]);
    const kgo = await openDataset(realFile(`${DIR}/normal/kgo.nc`));
    try {
      expect(ds.variable('air_temperature').dims).toEqual(kgo.variable('air_temperature').dims);
      expect(ds.variable('time').dims).toEqual([]);
      expect(String(ds.variable('air_temperature').attrs.coordinates)).toBe(
        'forecast_period forecast_reference_time height latitude longitude time',
      );
      expect(attrs(ds, 'realization')).toEqual(attrs(kgo, 'realization'));
      expect(Array.from(ds.readVariable('realization').data)).toEqual(
        Array.from(kgo.readVariable('realization').data),
      );
    } finally {
      ds.close();
      kgo.close();
    }
  }, 120_000);
});
