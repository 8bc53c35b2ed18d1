/**
 * The analysis from the request (issue 14 §3): `epp postprocess --analysis`, the service's `analysis` field
 * (a file under the data root, or variables of the input file) feed the committed default model's analysis
 * channels through the one input builder; the fallback (subset mean at step 0) is stated when none is given;
 * a grid/time/level/variable/member/units mismatch is a one-line AnalysisMismatchError (422); the request
 * field is validated (unknown fields rejected) in the contract and the API DTO.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ForecastRequestDto } from '../../../apps/api/forecasts/forecast-request.dto.js';
import { normaliseForecastRequest } from '../../../libs/contracts/jobs.js';
import { selectBackend } from '../../../libs/model/backend.js';
import { memberMeanStd } from '../../../libs/model/features.js';
import type { ModelManifest } from '../../../libs/model/serialize.js';
import { openDataset, writeNetcdf } from '../../../libs/netcdf/index.js';
import type { FileSpec } from '../../../libs/netcdf/types.js';
import {
  AnalysisMismatchError,
  clearModelCache,
  mixedProducts,
  planField,
  postprocessWithModel,
  preflightForecast,
  readAnalysis,
  readField,
} from '../../../libs/pipeline/forecast/index.js';
import { resolveForecastInputs } from '../../../libs/service/job-paths.js';

const MODEL = 'data/models/default';
const manifest = JSON.parse(readFileSync(path.join(MODEL, 'manifest.json'), 'utf8')) as ModelManifest;
const LAT = manifest.grid.latitudes;
const LON = manifest.grid.longitudes;
const N = LAT.length * LON.length;
const INIT_H = Date.UTC(2016, 0, 4) / 3600e3; // hours since 1970
const K = 5;

/** A smooth z/t climate with member noise: level 850 or 500, member m (−1 = the analysis), lead step s. */
function field(v: 'z' | 't', level: number, m: number, s: number): number[] {
  const out: number[] = [];
  for (const lat of LAT)
    for (const lon of LON) {
      const c = Math.cos((lat * Math.PI) / 180);
      const wave = Math.sin(((lon + 30 * s) * Math.PI) / 60) * c;
      const noise = m < 0 ? 0 : Math.sin(m * 7.1 + lat * 0.37 + lon * 0.11);
      out.push(
        v === 't'
          ? (level === 850 ? 258 : 235) + 28 * c + 3 * wave + 0.8 * noise
          : (level === 850 ? 13500 : 54000) + 3500 * c + 400 * wave + 150 * noise,
      );
    }
  return out;
}

const coords = (lat = LAT): FileSpec['variables'] => [
  { name: 'level', dtype: 'int', dims: ['level'], data: [850, 500], attrs: { units: 'millibars' } },
  { name: 'latitude', dtype: 'float', dims: ['latitude'], data: lat, attrs: { units: 'degrees_north' } },
  { name: 'longitude', dtype: 'float', dims: ['longitude'], data: LON, attrs: { units: 'degrees_east' } },
];
const UNITS = { z: 'm**2 s**-2', t: 'K' };

/** The forecast: 3 steps × 5 members × 2 levels; `extra` adds variables (e.g. z_an, t_an) to it. */
function forecastSpec(extra: FileSpec['variables'] = []): FileSpec {
  const data = (v: 'z' | 't') =>
    [0, 1, 2].flatMap((s) =>
      Array.from({ length: K }, (_, m) => m).flatMap((m) => [850, 500].flatMap((l) => field(v, l, m, s))),
    );
  return {
    dimensions: [
      { name: 'step', size: 3 },
      { name: 'number', size: K },
      { name: 'level', size: 2 },
      { name: 'latitude', size: LAT.length },
      { name: 'longitude', size: LON.length },
    ],
    variables: [
      { name: 'step', dtype: 'int', dims: ['step'], data: [0, 24, 48], attrs: { units: 'hours' } },
      { name: 'number', dtype: 'int', dims: ['number'], data: [0, 1, 2, 3, 4], attrs: {} },
      ...coords(),
      {
        name: 'time',
        dtype: 'double',
        dims: [],
        data: [INIT_H],
        attrs: { units: 'hours since 1970-01-01 00:00:00', standard_name: 'forecast_reference_time' },
      },
      ...(['z', 't'] as const).map((v) => ({
        name: v,
        dtype: 'float' as const,
        dims: ['step', 'number', 'level', 'latitude', 'longitude'],
        data: data(v),
        attrs: { units: UNITS[v] },
      })),
      ...extra,
    ],
    attrs: {},
  };
}

/** Analysis fields [level, lat, lon] per variable: the climate plus `shift`, or the given arrays. */
function analysisVars(
  fields: Record<'z' | 't', number[]>,
  names = { z: 'z', t: 't' },
  units: Record<'z' | 't', string> = UNITS,
): FileSpec['variables'] {
  return (['z', 't'] as const).map((v) => ({
    name: names[v],
    dtype: 'float' as const,
    dims: ['level', 'latitude', 'longitude'],
    data: fields[v],
    attrs: { units: units[v] },
  }));
}

function analysisSpec(
  fields: Record<'z' | 't', number[]>,
  o: { hours?: number; lat?: number[]; noTime?: boolean; units?: Record<'z' | 't', string> } = {},
): FileSpec {
  const lat = o.lat ?? LAT;
  return {
    dimensions: [
      { name: 'level', size: 2 },
      { name: 'latitude', size: lat.length },
      { name: 'longitude', size: LON.length },
    ],
    variables: [
      ...coords(lat),
      ...(o.noTime
        ? []
        : [
            {
              name: 'time',
              dtype: 'double' as const,
              dims: [],
              data: [INIT_H + (o.hours ?? 0)],
              attrs: { units: 'hours since 1970-01-01 00:00:00', standard_name: 'time' },
            },
          ]),
      ...analysisVars(fields, undefined, o.units),
    ],
    attrs: {},
  };
}

const climate = (shift: Record<'z' | 't', number>) => ({
  z: [850, 500].flatMap((l) => field('z', l, -1, 0).map((x) => x + shift.z)),
  t: [850, 500].flatMap((l) => field('t', l, -1, 0).map((x) => x + shift.t)),
});

/** The same fields without their first latitude row (a 60-row grid). */
const dropFirstRow = (f: Record<'z' | 't', number[]>) => {
  const nx = LON.length;
  const drop = (a: number[]) => [0, 1].flatMap((l) => a.slice(l * N + nx, (l + 1) * N));
  return { z: drop(f.z), t: drop(f.t) };
};

let root = '';
beforeAll(async () => {
  await selectBackend('wasm');
  root = mkdtempSync(path.join(tmpdir(), 'epp-analysis-'));
  mkdirSync(path.join(root, 'inbox'));
  const to = path.join(root, 'models/default');
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(MODEL))
    if (statSync(path.join(MODEL, f)).isFile()) copyFileSync(path.join(MODEL, f), path.join(to, f));
  await writeNetcdf(path.join(root, 'inbox/f.nc'), forecastSpec());
  await writeNetcdf(path.join(root, 'inbox/an.nc'), analysisSpec(climate({ z: 300, t: 2 })));
  // The analysis equal to the 5-member mean at step 0: must give exactly the fallback's forecast.
  const ds = await openDataset(path.join(root, 'inbox/f.nc'));
  const mean = (v: 'z' | 't') => {
    const all = ds.readVariable(v).data; // [step, number, level, lat, lon]
    return [0, 1].flatMap((li) => {
      const block = new Float32Array(K * N);
      for (let m = 0; m < K; m++) block.set(all.subarray((m * 2 + li) * N, (m * 2 + li + 1) * N), m * N);
      return Array.from(memberMeanStd(block, K, N).mean);
    });
  };
  const means = { z: mean('z'), t: mean('t') };
  ds.close();
  await writeNetcdf(path.join(root, 'inbox/an-mean.nc'), analysisSpec(means));
  await writeNetcdf(
    path.join(root, 'inbox/f-with-an.nc'),
    forecastSpec(analysisVars(climate({ z: 300, t: 2 }), { z: 'z_an', t: 't_an' })),
  );
}, 60_000);
afterAll(() => {
  clearModelCache();
  if (root) rmSync(root, { recursive: true, force: true });
});

async function postprocess(file: string, analysis?: { path?: string; variables?: Record<string, string> }) {
  const out = path.join(root, `pp-${Math.random().toString(36).slice(2)}.nc`);
  const r = await postprocessWithModel({
    modelDir: MODEL,
    forecastPath: path.join(root, 'inbox', file),
    outPath: out,
    variable: 't',
    level: 850,
    ...(analysis ? { analysis } : {}),
  });
  const ds = await openDataset(r.files[0]);
  const mu = Float32Array.from(ds.readVariable('air_temperature_mean').data);
  const attrs = { ...ds.attrs };
  ds.close();
  return { r, mu, attrs };
}

const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((w, x, i) => Math.max(w, Math.abs(x - b[i])), 0);

describe('epp postprocess with an analysis', () => {
  test('file → used and said so; the subset-mean analysis = the fallback exactly; same-file variables = the file', async () => {
    const fb = await postprocess('f.nc');
    expect(fb.r.analysisSource).toBe('fallback-subset-mean-step0');
    expect(String(fb.attrs.epp_analysis_source)).toMatch(/no analysis given.*fallback/);

    const an = await postprocess('f.nc', { path: path.join(root, 'inbox/an.nc') });
    expect(an.r.analysisSource).toBe('analysis');
    expect(String(an.attrs.epp_analysis_source)).toMatch(/given with the request/);
    // A 2 K warmer, 300 m² s⁻² higher analysis moves the forecast: it reaches the network.
    expect(maxDiff(an.mu, fb.mu)).toBeGreaterThan(0.05);

    // The analysis channel is the fallback's channel: feeding the subset mean at step 0 gives its forecast.
    const same = await postprocess('f.nc', { path: path.join(root, 'inbox/an-mean.nc') });
    expect(same.r.analysisSource).toBe('analysis');
    expect(Array.from(same.mu)).toEqual(Array.from(fb.mu));

    // The same analysis as variables of the input file gives the same forecast as the file.
    const vars = await postprocess('f-with-an.nc', { variables: { z: 'z_an', t: 't_an' } });
    expect(vars.r.analysisSource).toBe('analysis');
    expect(Array.from(vars.mu)).toEqual(Array.from(an.mu));
  }, 120_000);
});

describe('analysis mismatches are one-line AnalysisMismatchErrors', () => {
  const model = { config: manifest.config, grid: manifest.grid };
  const init = INIT_H * 3600;
  // Every row has 4 entries: jest takes a test function with more parameters than the row for a `done` callback.
  const cases: [string, FileSpec, RegExp, Record<string, string> | undefined][] = [
    [
      'grid',
      analysisSpec(dropFirstRow(climate({ z: 0, t: 0 })), { lat: LAT.slice(1) }),
      /grid 60×120/,
      undefined,
    ],
    [
      'time',
      analysisSpec(climate({ z: 0, t: 0 }), { hours: 6 }),
      /valid at 2016-01-04T06:00:00Z, not at the initialisation 2016-01-04T00:00:00Z/,
      undefined,
    ],
    ['no time', analysisSpec(climate({ z: 0, t: 0 }), { noTime: true }), /no time coordinate/, undefined],
    [
      'units',
      analysisSpec(climate({ z: 0, t: 0 }), { units: { z: 'm', t: 'K' } }),
      /z is in m, the forecast's z in m\*\*2 s\*\*-2/,
      undefined,
    ],
    ['variable', analysisSpec(climate({ z: 0, t: 0 })), /no variable 'temp'/, { t: 'temp' }],
    ['predictor', analysisSpec(climate({ z: 0, t: 0 })), /'u', which is not a model predictor/, { u: 'u' }],
  ];
  // A level the model needs (500 hPa) missing.
  const oneLevel = analysisSpec(climate({ z: 0, t: 0 }));
  oneLevel.dimensions[0].size = 1;
  oneLevel.variables[0].data = [850];
  for (const v of oneLevel.variables.slice(-2)) v.data = (v.data as number[]).slice(0, N);
  cases.push(['level', oneLevel, /has no level 500 hPa \(levels: 850\)/, undefined]);
  // An ensemble of analyses is refused (give its mean).
  const ens = analysisSpec(climate({ z: 0, t: 0 }));
  ens.dimensions.unshift({ name: 'number', size: 2 });
  ens.variables.unshift({ name: 'number', dtype: 'int', dims: ['number'], data: [0, 1], attrs: {} });
  for (const v of ens.variables.slice(-2)) {
    v.dims = ['number', ...v.dims];
    v.data = [...(v.data as number[]), ...(v.data as number[])];
  }
  cases.push(['members', ens, /has 2 members; an analysis is one field/, undefined]);

  test.each(cases)('%s', async (name, spec, message, variables) => {
    const file = path.join(root, `bad-${name.replace(/ /g, '-')}.nc`);
    await writeNetcdf(file, spec);
    const ds = await openDataset(file);
    const fc = await openDataset(path.join(root, 'inbox/f.nc'));
    try {
      let err: unknown;
      try {
        readAnalysis(ds, model, init, { forecast: fc, ...(variables ? { variables } : {}) });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AnalysisMismatchError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/\n/);
      expect((err as AnalysisMismatchError).code).toBe('MISMATCH');
    } finally {
      ds.close();
      fc.close();
    }
  });
});

describe('the service request field', () => {
  const base = { source: { path: 'inbox/f.nc' }, variable: 't', level: 850, method: 'mixed' };

  test('contract: path/variables kept; unknown fields, non-mixed methods and bad names refused', () => {
    expect(normaliseForecastRequest({ ...base, analysis: { path: ' inbox/an.nc ' } }).analysis).toEqual({
      path: 'inbox/an.nc',
    });
    expect(
      normaliseForecastRequest({ ...base, analysis: '{"variables":{"t":"t_an","z":"z_an"}}' }).analysis,
    ).toEqual({ variables: { t: 't_an', z: 'z_an' } });
    expect(normaliseForecastRequest(base).analysis).toBeUndefined();
    expect(() => normaliseForecastRequest({ ...base, analysis: { path: 'a.nc', file: 'b' } })).toThrow(
      /unknown field\(s\) file/,
    );
    expect(() => normaliseForecastRequest({ ...base, method: 'raw', analysis: { path: 'a.nc' } })).toThrow(
      /mixed model only/,
    );
    expect(() => normaliseForecastRequest({ ...base, analysis: {} })).toThrow(/path and\/or variables/);
    expect(() => normaliseForecastRequest({ ...base, analysis: { variables: { z: 'a b' } } })).toThrow(
      /NetCDF variable name/,
    );
  });

  test('API DTO (the ValidationPipe settings): unknown analysis fields and bad variables refused', async () => {
    const check = async (body: Record<string, unknown>) =>
      (
        await validate(plainToInstance(ForecastRequestDto, body), {
          whitelist: true,
          forbidNonWhitelisted: true,
        })
      ).map((e) => JSON.stringify(e.children?.length ? e.children : e.constraints));
    expect(await check({ ...base, analysis: { path: 'inbox/an.nc' } })).toEqual([]);
    expect(await check({ ...base, analysis: '{"variables":{"z":"z_an"}}' })).toEqual([]);
    expect((await check({ ...base, analysis: { path: 'a.nc', bogus: 1 } })).join()).toMatch(/bogus/);
    expect((await check({ ...base, analysis: { variables: { z: 'a b' } } })).join()).toMatch(
      /analysis.variables must map/,
    );
  });

  test('job: the analysis file is confined, checked in preflight, used, and the job provenance says which', async () => {
    const req = (analysis?: Record<string, unknown>) =>
      normaliseForecastRequest({ ...base, ...(analysis ? { analysis } : {}) });
    await expect(resolveForecastInputs(root, req({ path: '../outside.nc' }))).rejects.toThrow();
    const run = async (r: ReturnType<typeof req>) => {
      const inputs = await resolveForecastInputs(root, r);
      await preflightForecast(r, inputs);
      const ds = await openDataset(inputs.source);
      const plan = planField(ds, r);
      const f = readField(ds, r, plan, plan.times[plan.times.length - 1]);
      ds.close();
      return mixedProducts(f, r, inputs, { stepAxis: true, tfBackend: 'wasm' });
    };
    const fb = await run(req());
    expect(fb.provenance?.analysis_source).toMatch(/fallback/);
    expect(fb.provenance?.training_data_kind).toBe('synthetic testbed');
    const an = await run(req({ path: 'inbox/an.nc' }));
    expect(an.provenance?.analysis_source).toMatch(/given with the request/);
    expect(maxDiff(an.mean, fb.mean)).toBeGreaterThan(0.05);
    // The service and `epp postprocess` give the same forecast from the same analysis.
    const pp = await postprocess('f.nc', { path: path.join(root, 'inbox/an.nc') });
    expect(maxDiff(an.mean, pp.mu)).toBeLessThan(1e-4);
    // A mismatching analysis is refused before the job is queued.
    await writeNetcdf(
      path.join(root, 'inbox/an-late.nc'),
      analysisSpec(climate({ z: 0, t: 0 }), { hours: 12 }),
    );
    const late = req({ path: 'inbox/an-late.nc' });
    await expect(preflightForecast(late, await resolveForecastInputs(root, late))).rejects.toThrow(
      AnalysisMismatchError,
    );
  }, 120_000);
});
