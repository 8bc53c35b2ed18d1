/**
 * The analysis at the initialisation time from a request (issue 14 §3): the model's predictors (z, t) at its
 * levels, on its grid, at the forecast's initialisation time, read from a file (`epp postprocess --analysis`,
 * the API's `analysis.path`) or from variables of the input file itself (`analysis.variables`). What it
 * returns feeds SampleSelection.analysis → buildModelInput (libs/model/features.ts), the one input builder
 * shared with training, `epp evaluate` and the service; without it the fallback (subset mean at step 0) is
 * used and said so. Every mismatch (grid, time, level, variable, members, units) is a one-line MismatchError.
 */
import { MismatchError } from '../../contracts/errors.js';
import { parseTargetKey, predictorKeys, type ModelConfig } from '../../model/config.js';
import type { ModelGrid } from '../../model/mixedModel.js';
import type { Dataset } from '../../netcdf/types.js';
import { openDataset } from '../../netcdf/open.js';
import { readGrid, readLevels, SlabReader } from '../dataset/index.js';

/** Where a request's analysis comes from: a file, and/or other variable names (predictor → NetCDF name). */
export interface AnalysisSpec {
  /** Analysis file (absolute at this layer); absent = variables of the forecast file itself. */
  path?: string;
  /** NetCDF variable per model predictor, e.g. { z: 'z_an', t: 't_an' }; default the predictor's name. */
  variables?: Record<string, string>;
}

/** A request's analysis does not fit the model or the forecast (grid, time, level, variable): HTTP 422. */
export class AnalysisMismatchError extends MismatchError {}

const TIME_NAMES = ['time', 'valid_time', 'forecast_reference_time'];

const normUnits = (u: string) => u.replace(/[*^\s]/g, '');

const iso = (t: number) =>
  Number.isFinite(t) ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : 'none';

/**
 * The analysis fields [ny · nx] per predictor key (config order) of `ds` at `initTime` (seconds since 1970).
 * `forecast` (the input file) is consulted for units; when `ds` is the forecast file itself a field without
 * a time coordinate is taken as the file's own. Throws AnalysisMismatchError on any mismatch.
 */
export function readAnalysis(
  ds: Dataset,
  model: { config: ModelConfig; grid: Pick<ModelGrid, 'latitudes' | 'longitudes'> },
  initTime: number,
  o: { variables?: Record<string, string>; forecast?: Dataset; sameFile?: boolean } = {},
): Float32Array[] {
  const c = model.config;
  const file = `analysis ${ds.path}`;
  if (!Number.isFinite(initTime) && !o.sameFile)
    throw new AnalysisMismatchError(
      `${file}: the forecast has no CF time, so no analysis file can be matched to its initialisation`,
    );
  for (const k of Object.keys(o.variables ?? {}))
    if (!c.predictors.includes(k))
      throw new AnalysisMismatchError(
        `${file}: analysis.variables names '${k}', which is not a model predictor (${c.predictors.join(', ')})`,
      );
  const g = readGrid(ds);
  const same = (a: number[], b: number[]) =>
    a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) < 1e-3);
  if (!same(g.latitudes, model.grid.latitudes) || !same(g.longitudes, model.grid.longitudes))
    throw new AnalysisMismatchError(
      `${file}: grid ${g.latitudes.length}×${g.longitudes.length} (lat ${g.latitudes[0]}…${g.latitudes.at(-1)}, lon ${g.longitudes[0]}…${g.longitudes.at(-1)}) differs from the model's ${model.grid.latitudes.length}×${model.grid.longitudes.length}`,
    );
  const levels = readLevels(ds);
  const member = ds.memberAxis();
  const readers = new Map<string, SlabReader>();
  const reader = (variable: string) => {
    const name = o.variables?.[variable] ?? variable;
    let r = readers.get(name);
    if (!r) {
      if (!ds.hasVariable(name))
        throw new AnalysisMismatchError(
          `${file}: no variable '${name}' for the model's predictor ${variable} (it has: ${ds.variables.map((v) => v.name).join(', ')})`,
        );
      // By hyperslab: only the [ny, nx] field at the initialisation is decoded, not every time of the variable.
      r = asAnalysisError(() => new SlabReader(ds, name, g));
      const units = r.v.attrs.units;
      const fu = o.forecast?.hasVariable(variable) ? o.forecast.variable(variable).attrs.units : undefined;
      if (typeof units === 'string' && typeof fu === 'string' && normUnits(units) !== normUnits(fu))
        throw new AnalysisMismatchError(
          `${file}: ${name} is in ${units}, the forecast's ${variable} in ${fu}`,
        );
      if (member && r.axis(member.name) >= 0 && member.size !== 1)
        throw new AnalysisMismatchError(
          `${file}: ${name} has ${member.size} members; an analysis is one field (give its ensemble mean)`,
        );
      readers.set(name, r);
    }
    return { r, name };
  };
  const at = (r: SlabReader, name: string): Record<string, number> => {
    const tdim = r.v.dims.find((d) => TIME_NAMES.includes(d) || (ds.hasVariable(d) && isTime(ds, d)));
    if (tdim) {
      const times = Array.from(ds.readTime(ds.hasVariable(tdim) ? tdim : name));
      const i = times.findIndex((t) => Math.abs(t - initTime) < 1);
      if (i < 0)
        throw new AnalysisMismatchError(
          `${file}: ${name} has times ${iso(times[0])}…${iso(times.at(-1)!)}, not the initialisation ${iso(initTime)}`,
        );
      return { [tdim]: i };
    }
    const scalar = TIME_NAMES.find((t) => ds.hasVariable(t) && ds.variable(t).dims.length === 0);
    if (scalar) {
      const t = ds.readTime(scalar)[0];
      if (!(Math.abs(t - initTime) < 1))
        throw new AnalysisMismatchError(
          `${file}: the analysis is valid at ${iso(t)}, not at the initialisation ${iso(initTime)}`,
        );
    } else if (!o.sameFile)
      throw new AnalysisMismatchError(
        `${file}: no time coordinate, so it cannot be checked to be the analysis at ${iso(initTime)}`,
      );
    return {};
  };
  return predictorKeys(c).map((key) => {
    const { variable, level } = parseTargetKey(key);
    const { r, name } = reader(variable);
    const pick = at(r, name);
    if (levels.name && r.axis(levels.name) >= 0) {
      const li = levels.values.indexOf(level);
      if (li < 0)
        throw new AnalysisMismatchError(
          `${file}: ${name} has no level ${level} hPa (levels: ${levels.values.join(', ')})`,
        );
      pick[levels.name] = li;
    } else
      throw new AnalysisMismatchError(
        `${file}: ${name} has no pressure-level axis (the model needs ${c.levels.join(', ')} hPa)`,
      );
    if (member && r.axis(member.name) >= 0) pick[member.name] = 0;
    return asAnalysisError(() => r.field(pick));
  });
}

/** fn(), its mismatches (SlabReader's name the file) as AnalysisMismatchError naming it the analysis. */
function asAnalysisError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof MismatchError) || err instanceof AnalysisMismatchError) throw err;
    throw new AnalysisMismatchError(`analysis ${err.message}`);
  }
}

function isTime(ds: Dataset, name: string): boolean {
  const u = ds.variable(name).attrs.units;
  return typeof u === 'string' && /\bsince\b/.test(u);
}

/**
 * Run `read` with the analysis provider of `spec` (its file opened for the call and closed after; none =
 * the fallback). `forecast` is the open input file: the analysis variables may live in it.
 */
export async function withAnalysis<T>(
  forecast: Dataset,
  model: { config: ModelConfig; grid: Pick<ModelGrid, 'latitudes' | 'longitudes'> },
  spec: AnalysisSpec | undefined,
  read: (analysis: ((initTime: number) => Float32Array[]) | undefined) => T,
): Promise<T> {
  if (!spec) return read(undefined);
  const ds = spec.path ? await openDataset(spec.path) : forecast;
  try {
    return read((t) =>
      readAnalysis(ds, model, t, { variables: spec.variables, forecast, sameFile: ds === forecast }),
    );
  } finally {
    if (ds !== forecast) ds.close();
  }
}
