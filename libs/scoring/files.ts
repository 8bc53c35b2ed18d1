/**
 * Scores straight from NetCDF files: read forecasts (ensembles, or Gaussian `<var>_mean`/`<var>_std` files
 * without a member axis) and truths, pair them by valid time, run ScoreSet. What `epp score` calls.
 */
import { InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import { readEnsemble, readField } from '../ensemble/read.js';
import type { Field2D } from '../ensemble/types.js';
import { openDataset } from '../netcdf/open.js';
import type { Dataset } from '../netcdf/types.js';
import { pairByValidTime } from './pairing.js';
import { ScoreSet, type ScoreOptions } from './scoreSet.js';
import type { Forecast, GaussianForecast, Scores } from './types.js';

export interface ScoreFilesOptions extends ScoreOptions {
  forecasts: string[];
  truths: string[];
  variable: string;
  level?: number;
  /** 1-based member positions to keep (e.g. 1..5). */
  members?: number[];
}

/**
 * The `<name>` of a Gaussian product file's `<name>_mean`/`<name>_std` for `variable`: the variable itself,
 * else the file's only mean/std pair (product files name the diagnostic by its standard_name, libs/products:
 * `t850` post-processed is `air_temperature_mean` with a scalar pressure of 850 hPa). Null when none.
 */
export function gaussianName(ds: Dataset, variable: string): string | null {
  if (ds.memberAxis() !== null) return null;
  if (ds.hasVariable(`${variable}_mean`) && ds.hasVariable(`${variable}_std`)) return variable;
  const pairs = ds.variables
    .filter((v) => v.name.endsWith('_mean') && ds.hasVariable(`${v.name.slice(0, -5)}_std`))
    .map((v) => v.name.slice(0, -5));
  return pairs.length === 1 ? pairs[0] : null;
}

/** True when the file holds `<name>_mean` and `<name>_std` (see gaussianName) and no ensemble member axis. */
export async function isGaussianFile(path: string, variable: string): Promise<boolean> {
  const ds = await openDataset(path);
  try {
    return gaussianName(ds, variable) !== null;
  } finally {
    ds.close();
  }
}

/** Read every forecast in a file: Gaussian forecasts from mean/std fields, else ensemble fields. */
export async function readForecasts(
  path: string,
  variable: string,
  level?: number,
  members?: number[],
): Promise<Forecast[]> {
  const ds = await openDataset(path);
  let name: string | null;
  try {
    name = gaussianName(ds, variable);
  } finally {
    ds.close();
  }
  if (name !== null) {
    if (members)
      throw new InvalidArgumentError(`${path} is a Gaussian (mean/std) forecast: --members does not apply`);
    const means = await readField(path, { variable: `${name}_mean`, level });
    const stds = await readField(path, { variable: `${name}_std`, level });
    return means.map((mf, i): GaussianForecast => {
      const sf = stds[i];
      if (!sf || sf.validTime !== mf.validTime)
        throw new MismatchError(`${path}: ${name}_mean and ${name}_std have different times`);
      return {
        kind: 'gaussian',
        variable,
        units: mf.units,
        mean: mf.data,
        std: sf.data,
        ny: mf.ny,
        nx: mf.nx,
        grid: mf.grid,
        validTime: mf.validTime,
        ...(mf.level !== undefined ? { level: mf.level } : {}),
        source: path,
      };
    });
  }
  return readEnsemble(path, { variable, level, members });
}

/** Read all truths of the given files. */
export async function readTruths(paths: string[], variable: string, level?: number): Promise<Field2D[]> {
  const out: Field2D[] = [];
  for (const p of paths) out.push(...(await readField(p, { variable, level })));
  return out;
}

/** The whole score set of forecast files against truth files. */
export async function scoreFiles(o: ScoreFilesOptions): Promise<Scores> {
  const scorer = new ScoreSet(o); // validates options before any file is read
  const forecasts: Forecast[] = [];
  for (const f of o.forecasts) forecasts.push(...(await readForecasts(f, o.variable, o.level, o.members)));
  const truths = await readTruths(o.truths, o.variable, o.level);
  return scorer.process(pairByValidTime(forecasts, truths));
}
