/**
 * `epp postprocess` / service method `mixed`: run the mixed model on a forecast file and write calibrated
 * products (DESIGN §3, IMPROVER-style names): `<target>_mean`, `<target>_std`, `<target>(percentile)`,
 * `probability_of_<target>_above_threshold(threshold)`, and ECC members `<target>(realization)` in a sibling
 * `_realizations.nc` file. Input with a `step` axis = one initialisation (leads taken from `step`; the
 * analysis at t0 is not in a forecast file, so the subset mean at step 0 stands in for it). Input without a
 * `step` axis (e.g. the ERA5 EDA sample: time × number × level) = one analysis-like ensemble per time: every
 * lead input is filled with that time's members and the analysis with their mean.
 */
import { InvalidArgumentError, MismatchError, NotFoundInFileError } from '../contracts/errors.js';
import { eccLevels, eccReorder } from '../ensemble/ecc.js';
import { normCdf, normalQuantile } from '../ensemble/normal.js';
import { parseTargetKey, predictorKeys, type ModelConfig } from '../model/config.js';
import { featurize, memberMeanStd } from '../model/features.js';
import { loadModelFolder } from '../model/folder.js';
import { openDataset } from '../netcdf/open.js';
import type { Dataset, FileSpec, VariableSpec } from '../netcdf/types.js';
import { writeNetcdf } from '../netcdf/write.js';
import { readGrid, readLevels, readSteps, requireAll, VariableReader } from './datasetFields.js';

export type Product = 'mean' | 'std' | 'percentiles' | 'probabilities' | 'realizations';
export const ALL_PRODUCTS: Product[] = ['mean', 'std', 'percentiles', 'probabilities', 'realizations'];

export interface PostprocessOptions {
  modelDir: string;
  forecastPath: string;
  /** Restrict the output to one target: variable name (`t`) and level (850). Default: every target. */
  variable?: string;
  level?: number;
  /** Member ids (values of the member coordinate) forming the subset; default: the first k members. */
  members?: number[];
  products?: Product[];
  percentiles?: number[];
  /** Thresholds for probabilities (units of the single selected target). */
  thresholds?: number[];
  outPath: string;
  onProgress?: (done: number, total: number) => void;
}

export interface PostprocessResult {
  files: string[];
  targets: string[];
  validTimes: number[];
  samples: number;
  msPerSample: number;
  sigmaMin: number;
}

interface Sample {
  validTime: number;
  ens: Float32Array[][];
  analysis: Float32Array[];
}

function validate(o: PostprocessOptions): Product[] {
  const products = o.products ?? ['mean', 'std'];
  for (const p of products)
    if (!ALL_PRODUCTS.includes(p))
      throw new InvalidArgumentError(`unknown product '${p}' (${ALL_PRODUCTS.join(', ')})`);
  for (const p of o.percentiles ?? [])
    if (!(p > 0 && p < 100))
      throw new InvalidArgumentError(`percentile ${p} must be strictly between 0 and 100`);
  if (products.includes('percentiles') && !(o.percentiles ?? []).length)
    throw new InvalidArgumentError('product percentiles needs --percentiles');
  if (products.includes('probabilities') && !(o.thresholds ?? []).length)
    throw new InvalidArgumentError('product probabilities needs --thresholds');
  return products;
}

export async function postprocessWithModel(o: PostprocessOptions): Promise<PostprocessResult> {
  const products = validate(o);
  const { model } = await loadModelFolder(o.modelDir);
  const ds = await openDataset(o.forecastPath);
  try {
    const cfg = model.config;
    let tIdx = cfg.targets.map((_, i) => i);
    if (o.variable !== undefined) {
      tIdx = tIdx.filter((i) => {
        const t = parseTargetKey(cfg.targets[i]);
        return t.variable === o.variable && (o.level === undefined || t.level === o.level);
      });
      if (!tIdx.length)
        throw new InvalidArgumentError(
          `the model predicts ${cfg.targets.join(', ')}, not ${o.variable}${o.level ?? ''}`,
        );
    }
    if (products.includes('probabilities') && tIdx.length > 1)
      throw new InvalidArgumentError(
        'probabilities need one target (thresholds have its units): pass --variable and --level',
      );
    const samples = readSamples(ds, model.grid, cfg, o.members);
    const k = cfg.members;
    const n = model.grid.ny * model.grid.nx;
    const results: { mu: Float32Array[]; sigma: Float32Array[] }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < samples.length; i++) {
      const raw = featurize(
        { ny: model.grid.ny, nx: model.grid.nx, ens: samples[i].ens, analysis: samples[i].analysis },
        cfg,
      );
      results.push((await model.predict([raw]))[0]);
      o.onProgress?.(i + 1, samples.length);
    }
    const msPerSample = (performance.now() - t0) / samples.length;
    const keys = predictorKeys(cfg);
    const last = cfg.leads.length - 1;
    const spec = productSpec(o, products, model.grid, samples, results, tIdx, cfg.targets, false, () => null);
    const files = [o.outPath];
    await writeNetcdf(o.outPath, spec);
    if (products.includes('realizations')) {
      const rpath = o.outPath.replace(/(\.nc)?$/, '_realizations.nc');
      const rspec = productSpec(
        o,
        products,
        model.grid,
        samples,
        results,
        tIdx,
        cfg.targets,
        true,
        (s, t) => {
          const raw = samples[s].ens[last][keys.indexOf(cfg.targets[t])];
          const q = new Float32Array(k * n);
          eccLevels(k).forEach((lv, m) => {
            for (let p = 0; p < n; p++)
              q[m * n + p] = normalQuantile(lv, results[s].mu[t][p], results[s].sigma[t][p]);
          });
          return eccReorder({ data: raw, members: k, points: n }, q);
        },
      );
      await writeNetcdf(rpath, rspec);
      files.push(rpath);
    }
    let sigmaMin = Infinity;
    for (const r of results)
      for (const t of tIdx) for (const v of r.sigma[t]) sigmaMin = Math.min(sigmaMin, v);
    return {
      files,
      targets: tIdx.map((t) => cfg.targets[t]),
      validTimes: samples.map((s) => s.validTime),
      samples: samples.length,
      msPerSample,
      sigmaMin,
    };
  } finally {
    ds.close();
    model.dispose();
  }
}

/** Check the file against the model (grid, variables, levels, members, leads) and read its samples. */
function readSamples(
  ds: Dataset,
  grid: { latitudes: number[]; longitudes: number[] },
  c: ModelConfig,
  memberIds?: number[],
): Sample[] {
  const file = ds.path;
  const fg = readGrid(ds);
  const same = (a: number[], b: number[]) =>
    a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-3);
  if (!same(fg.latitudes, grid.latitudes) || !same(fg.longitudes, grid.longitudes))
    throw new MismatchError(
      `${file}: grid ${fg.latitudes.length}×${fg.longitudes.length} (lat ${fg.latitudes[0]}…${fg.latitudes.at(-1)}, lon ${fg.longitudes[0]}…${fg.longitudes.at(-1)}) differs from the model's ${grid.latitudes.length}×${grid.longitudes.length} (lat ${grid.latitudes[0]}…${grid.latitudes.at(-1)}, lon ${grid.longitudes[0]}…${grid.longitudes.at(-1)})`,
    );
  const levels = readLevels(ds);
  const missingVars = c.predictors.filter((v) => !ds.hasVariable(v));
  const missingLevels = c.levels.filter((l) => !levels.values.includes(l)).map((l) => `${l} hPa`);
  requireAll(
    file,
    'variables/levels',
    [...missingVars, ...missingLevels],
    [...ds.variables.map((v) => v.name), ...levels.values.map((l) => `${l} hPa`)],
  );
  const axis = ds.memberAxis();
  if (!axis)
    throw new NotFoundInFileError(`${file}: no ensemble member axis (the model needs ${c.members} members)`);
  const ids = Array.from(ds.readVariable(axis.name).data);
  let idx: number[];
  if (memberIds) {
    const missing = memberIds.filter((m) => !ids.includes(m));
    requireAll(file, 'members', missing.map(String), ids.map(String));
    idx = memberIds.map((m) => ids.indexOf(m));
  } else idx = ids.slice(0, c.members).map((_, i) => i);
  if (idx.length !== c.members)
    throw new MismatchError(
      `${file}: the model takes ${c.members} members, ${idx.length} ${memberIds ? 'were selected' : 'are in the file'}`,
    );
  const steps = readSteps(ds);
  const keys = predictorKeys(c);
  const readers = new Map(c.predictors.map((v) => [v, new VariableReader(ds.readVariable(v), fg, file)]));
  const n = fg.latitudes.length * fg.longitudes.length;
  const block = (key: string, at: Record<string, number>) => {
    const { variable, level } = parseTargetKey(key);
    const r = readers.get(variable)!;
    const out = new Float32Array(c.members * n);
    idx.forEach((mi, i) =>
      out.set(
        r.field({
          ...at,
          [axis.name]: mi,
          ...(levels.name ? { [levels.name]: levels.values.indexOf(level) } : {}),
        }),
        i * n,
      ),
    );
    return out;
  };
  const timeName = ['time', 'forecast_reference_time'].find((t) => ds.hasVariable(t));
  const times = timeName ? Array.from(ds.readTime(timeName)) : [0];
  if (steps) {
    requireAll(
      file,
      'lead times (h)',
      c.leads.filter((l) => !steps.includes(l)).map(String),
      steps.map(String),
    );
    const timeAt =
      timeName && ds.variable(timeName).dims.length ? { [ds.variable(timeName).dims[0]]: 0 } : {};
    const ens = c.leads.map((l) => keys.map((key) => block(key, { ...timeAt, step: steps.indexOf(l) })));
    const analysis = keys.map((_, i) => memberMeanStd(ens[0][i], c.members, n).mean);
    return [{ validTime: times[0] + c.leads[c.leads.length - 1] * 3600, ens, analysis }];
  }
  const tdim = timeName ? ds.variable(timeName).dims[0] : undefined;
  return times.map((time, ti) => {
    const fields = keys.map((key) => block(key, tdim ? { [tdim]: ti } : {}));
    return {
      validTime: time,
      ens: c.leads.map(() => fields),
      analysis: fields.map((f) => memberMeanStd(f, c.members, n).mean),
    };
  });
}

const STANDARD: Record<string, string> = {
  t: 'air_temperature',
  z: 'geopotential',
  u: 'eastward_wind',
  v: 'northward_wind',
  q: 'specific_humidity',
};
const UNITS: Record<string, string> = { t: 'K', z: 'm2 s-2', u: 'm s-1', v: 'm s-1', q: 'kg kg-1' };

function productSpec(
  o: PostprocessOptions,
  products: Product[],
  grid: { ny: number; nx: number; latitudes: number[]; longitudes: number[] },
  samples: Sample[],
  results: { mu: Float32Array[]; sigma: Float32Array[] }[],
  tIdx: number[],
  targets: string[],
  realizations: boolean,
  members: (s: number, t: number) => Float32Array | null,
): FileSpec {
  const n = grid.ny * grid.nx;
  const T = samples.length;
  const pcs = o.percentiles ?? [];
  const ths = o.thresholds ?? [];
  const wantP = !realizations && products.includes('percentiles');
  const wantQ = !realizations && products.includes('probabilities');
  const k = realizations ? members(0, tIdx[0])!.length / n : 0;
  const dimensions = [
    { name: 'time', size: T },
    ...(wantP ? [{ name: 'percentile', size: pcs.length }] : []),
    ...(wantQ ? [{ name: 'threshold', size: ths.length }] : []),
    ...(realizations ? [{ name: 'realization', size: k }] : []),
    { name: 'latitude', size: grid.ny },
    { name: 'longitude', size: grid.nx },
  ];
  const variables: VariableSpec[] = [
    {
      name: 'time',
      dtype: 'double',
      dims: ['time'],
      data: samples.map((s) => s.validTime),
      attrs: {
        units: 'seconds since 1970-01-01 00:00:00',
        standard_name: 'time',
        calendar: 'standard',
        axis: 'T',
      },
    },
    {
      name: 'latitude',
      dtype: 'double',
      dims: ['latitude'],
      data: grid.latitudes,
      attrs: { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' },
    },
    {
      name: 'longitude',
      dtype: 'double',
      dims: ['longitude'],
      data: grid.longitudes,
      attrs: { units: 'degrees_east', standard_name: 'longitude', axis: 'X' },
    },
  ];
  if (wantP)
    variables.push({
      name: 'percentile',
      dtype: 'float',
      dims: ['percentile'],
      data: pcs,
      attrs: { units: '%', long_name: 'percentile' },
    });
  if (realizations)
    variables.push({
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: Array.from({ length: k }, (_, i) => i),
      attrs: { units: '1', standard_name: 'realization' },
    });
  for (const t of tIdx) {
    const key = targets[t];
    const { variable, level } = parseTargetKey(key);
    const attrs = (what: string) => ({
      long_name: `${what} of the post-processed ${STANDARD[variable] ?? variable} at ${level} hPa (mixed model, Gaussian)`,
      units: UNITS[variable] ?? '1',
      pressure_level_hPa: level,
    });
    const stack = (f: (s: number) => Float32Array) => {
      const out = new Float32Array(T * f(0).length);
      for (let s = 0; s < T; s++) out.set(f(s), s * f(0).length);
      return out;
    };
    if (realizations) {
      variables.push({
        name: key,
        dtype: 'float',
        dims: ['time', 'realization', 'latitude', 'longitude'],
        data: stack((s) => members(s, t)!),
        attrs: { ...attrs('ECC members'), standard_name: STANDARD[variable] ?? variable },
      });
      continue;
    }
    if (products.includes('mean'))
      variables.push({
        name: `${key}_mean`,
        dtype: 'float',
        dims: ['time', 'latitude', 'longitude'],
        data: stack((s) => results[s].mu[t]),
        attrs: attrs('mean'),
      });
    if (products.includes('std'))
      variables.push({
        name: `${key}_std`,
        dtype: 'float',
        dims: ['time', 'latitude', 'longitude'],
        data: stack((s) => results[s].sigma[t]),
        attrs: attrs('standard deviation'),
      });
    if (wantP)
      variables.push({
        name: key,
        dtype: 'float',
        dims: ['time', 'percentile', 'latitude', 'longitude'],
        data: stack((s) => {
          const out = new Float32Array(pcs.length * n);
          pcs.forEach((pc, j) => {
            for (let p = 0; p < n; p++)
              out[j * n + p] = normalQuantile(pc / 100, results[s].mu[t][p], results[s].sigma[t][p]);
          });
          return out;
        }),
        attrs: { ...attrs('percentiles'), standard_name: STANDARD[variable] ?? variable },
      });
    if (wantQ) {
      variables.push({
        name: 'threshold',
        dtype: 'float',
        dims: ['threshold'],
        data: ths,
        attrs: { units: UNITS[variable] ?? '1', long_name: key, spp__relative_to_threshold: 'greater_than' },
      });
      variables.push({
        name: `probability_of_${key}_above_threshold`,
        dtype: 'float',
        dims: ['time', 'threshold', 'latitude', 'longitude'],
        data: stack((s) => {
          const out = new Float32Array(ths.length * n);
          ths.forEach((th, j) => {
            for (let p = 0; p < n; p++)
              out[j * n + p] = 1 - normCdf((th - results[s].mu[t][p]) / results[s].sigma[t][p]);
          });
          return out;
        }),
        attrs: { long_name: `probability_of_${key}_above_threshold`, units: '1' },
      });
    }
  }
  return {
    dimensions,
    variables,
    attrs: {
      title: `Post-processed ${tIdx.map((t) => targets[t]).join(', ')} (mixed prediction and post-processing model)`,
      source: `epp mixed model ${o.modelDir} applied to ${o.forecastPath}`,
      institution: 'epp',
      history: `${new Date().toISOString()} epp postprocess`,
      Conventions: 'CF-1.8',
    },
  };
}
