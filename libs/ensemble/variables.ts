/**
 * Which variable of a file a user means: its NetCDF name, else its CF standard_name, else an alias from the
 * table below (ECMWF short names and CMIP names, e.g. `2t`, `t2m`, `tas`, `10si`, `tp`). Surface aliases
 * (2-m temperature, 10-m wind, precipitation …) never pick a variable on pressure levels, and pressure-level
 * aliases prefer one. Ambiguity is an error that lists the candidates.
 */
import { NotFoundInFileError } from '../contracts/errors.js';
import type { Dataset, VariableInfo } from '../netcdf/types.js';

interface Alias {
  /** CF standard names the alias stands for (first = preferred). */
  standardNames: string[];
  /** Variable names files commonly use for it. */
  names: string[];
  /** `surface`: never on pressure levels; `pressure`: prefer a variable on pressure levels. */
  kind: 'surface' | 'pressure';
}

const SURFACE_T: Alias = {
  standardNames: ['air_temperature'],
  names: ['t2m', '2t', 'tas', 'temperature_at_screen_level'],
  kind: 'surface',
};

/** ECMWF/CMIP short names → CF (ECMWF parameter database; CMIP6 CMOR tables). */
export const VARIABLE_ALIASES: Record<string, Alias> = {
  '2t': SURFACE_T,
  t2m: SURFACE_T,
  tas: SURFACE_T,
  '10si': {
    standardNames: ['wind_speed'],
    names: ['si10', '10si', 'sfcWind', 'wind_speed'],
    kind: 'surface',
  },
  '10u': { standardNames: ['eastward_wind', 'x_wind'], names: ['u10', '10u', 'uas'], kind: 'surface' },
  '10v': { standardNames: ['northward_wind', 'y_wind'], names: ['v10', '10v', 'vas'], kind: 'surface' },
  '2d': { standardNames: ['dew_point_temperature'], names: ['d2m', '2d', 'tdps'], kind: 'surface' },
  tp: {
    standardNames: [
      'precipitation_amount',
      'lwe_thickness_of_precipitation_amount',
      'thickness_of_rainfall_amount',
    ],
    names: ['tp', 'pr', 'precipitation_amount'],
    kind: 'surface',
  },
  msl: {
    standardNames: ['air_pressure_at_mean_sea_level', 'air_pressure_at_sea_level'],
    names: ['msl', 'psl', 'mslp'],
    kind: 'surface',
  },
  tcc: { standardNames: ['cloud_area_fraction'], names: ['tcc', 'clt'], kind: 'surface' },
  t: { standardNames: ['air_temperature'], names: ['t', 'ta'], kind: 'pressure' },
  z: { standardNames: ['geopotential'], names: ['z', 'zg'], kind: 'pressure' },
  gh: { standardNames: ['geopotential_height'], names: ['gh', 'zg'], kind: 'pressure' },
  q: { standardNames: ['specific_humidity'], names: ['q', 'hus'], kind: 'pressure' },
  r: { standardNames: ['relative_humidity'], names: ['r', 'hur'], kind: 'pressure' },
  u: { standardNames: ['eastward_wind', 'x_wind'], names: ['u', 'ua'], kind: 'pressure' },
  v: { standardNames: ['northward_wind', 'y_wind'], names: ['v', 'va'], kind: 'pressure' },
};

const LEVEL_DIMS = ['level', 'isobaricInhPa', 'pressure', 'plev', 'pressure_level', 'lev', 'air_pressure'];

/** Whether a variable lies on pressure levels: a level dimension, or a scalar pressure coordinate. */
export function onPressureLevels(ds: Dataset, v: VariableInfo): boolean {
  if (v.dims.some((d) => LEVEL_DIMS.includes(d))) return true;
  if (v.dims.some((d) => ds.hasVariable(d) && ds.variable(d).attrs.standard_name === 'air_pressure'))
    return true;
  const coords = typeof v.attrs.coordinates === 'string' ? v.attrs.coordinates.split(/\s+/) : [];
  return coords.some(
    (c) =>
      ds.hasVariable(c) && (LEVEL_DIMS.includes(c) || ds.variable(c).attrs.standard_name === 'air_pressure'),
  );
}

/** Data variables (at least 2 dimensions) that are not coordinates. */
function dataVariables(ds: Dataset): VariableInfo[] {
  return ds.variables.filter((v) => v.dims.length >= 2);
}

function pick(ds: Dataset, name: string, found: VariableInfo[], how: string): string {
  if (found.length === 1) return found[0].name;
  throw new NotFoundInFileError(
    `${ds.path}: '${name}' (${how}) matches ${found.map((v) => v.name).join(', ')}; name one of them`,
  );
}

/**
 * The NetCDF name of the variable `name` means in `ds`: the name itself, else the only data variable with that
 * standard_name, else the alias table. NotFoundInFileError (naming the file and its variables) otherwise.
 */
export function resolveVariable(ds: Dataset, name: string): string {
  if (ds.hasVariable(name)) return name;
  const data = dataVariables(ds);
  const byStd = data.filter((v) => v.attrs.standard_name === name);
  if (byStd.length) return pick(ds, name, byStd, 'standard_name');
  const alias = VARIABLE_ALIASES[name] ?? VARIABLE_ALIASES[name.toLowerCase()];
  if (alias) {
    const fits = (v: VariableInfo) => (alias.kind === 'surface' ? !onPressureLevels(ds, v) : true);
    const byName = data.filter((v) => alias.names.includes(v.name) && fits(v));
    if (byName.length) return pick(ds, name, byName, 'alias');
    for (const std of alias.standardNames) {
      let cands = data.filter((v) => v.attrs.standard_name === std && fits(v));
      if (alias.kind === 'pressure' && cands.some((v) => onPressureLevels(ds, v)))
        cands = cands.filter((v) => onPressureLevels(ds, v));
      if (cands.length) return pick(ds, name, cands, `alias of ${std}`);
    }
  }
  throw new NotFoundInFileError(
    `${ds.path}: no variable '${name}' (by name, standard_name${alias ? ` or as an alias of ${alias.standardNames.join('/')}${alias.kind === 'surface' ? ' off pressure levels' : ''}` : ''}); the file has: ${data
      .map(
        (v) => `${v.name}${typeof v.attrs.standard_name === 'string' ? ` (${v.attrs.standard_name})` : ''}`,
      )
      .join(', ')}`,
  );
}
