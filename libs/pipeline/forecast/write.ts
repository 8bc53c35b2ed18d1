/**
 * The products of one forecast job as a CF-1.8 NetCDF file with IMPROVER-style names (DESIGN §3):
 * `<var>_mean`, `<var>_std`, `<var>` over `percentile` (%), `probability_of_<var>_above_threshold` over
 * `threshold` (spp__relative_to_threshold = greater_than), and `<var>_realizations` over `realization`.
 */
import type { ForecastRequest, ProductInfo } from '../../contracts/jobs.js';
import type { FileSpec, VariableSpec } from '../../netcdf/types.js';
import type { ProductSet } from './products.js';

/** Variable names of each product in result.nc (recorded in result.json for readers). */
export function productNames(variable: string): Record<ProductInfo['kind'], string> {
  return {
    mean: `${variable}_mean`,
    std: `${variable}_std`,
    percentiles: variable,
    probabilities: `probability_of_${variable}_above_threshold`,
    realizations: `${variable}_realizations`,
  };
}

export function buildResultSpec(
  set: ProductSet,
  req: ForecastRequest,
  meta: { id: string; history: string; source: string },
): { spec: FileSpec; products: ProductInfo[] } {
  const f = set.field;
  const g = f.grid;
  const latlon = g.kind === 'latlon';
  const yDim = latlon ? 'latitude' : g.yName;
  const xDim = latlon ? 'longitude' : g.xName;
  const names = productNames(req.variable);
  const std = f.variable;
  const dims = [
    { name: yDim, size: f.ny },
    { name: xDim, size: f.nx },
  ];
  const vars: VariableSpec[] = [
    {
      name: yDim,
      dtype: 'double',
      dims: [yDim],
      data: g.y,
      attrs: latlon
        ? { units: 'degrees_north', standard_name: 'latitude', axis: 'Y' }
        : { axis: 'Y', units: 'm' },
    },
    {
      name: xDim,
      dtype: 'double',
      dims: [xDim],
      data: g.x,
      attrs: latlon
        ? { units: 'degrees_east', standard_name: 'longitude', axis: 'X' }
        : { axis: 'X', units: 'm' },
    },
  ];
  if (Number.isFinite(f.validTime))
    vars.push({
      name: 'time',
      dtype: 'double',
      dims: [],
      data: [f.validTime],
      attrs: { units: 'seconds since 1970-01-01 00:00:00', standard_name: 'time', calendar: 'standard' },
    });
  if (f.level !== undefined)
    vars.push({
      name: 'pressure',
      dtype: 'float',
      dims: [],
      data: [f.level],
      attrs: { units: 'hPa', standard_name: 'air_pressure', positive: 'down' },
    });
  const coords = [Number.isFinite(f.validTime) ? 'time' : '', f.level !== undefined ? 'pressure' : '']
    .filter(Boolean)
    .join(' ');
  const common = (extra: Record<string, string | number>) => ({
    ...extra,
    _FillValue: NaN,
    ...(coords ? { coordinates: coords } : {}),
  });
  const products: ProductInfo[] = [];
  const grid2 = [yDim, xDim];
  const add = (kind: ProductInfo['kind'], v: VariableSpec, units: string, coordinate?: number[]) => {
    vars.push(v);
    products.push({
      name: v.name,
      kind,
      dims: v.dims,
      shape: v.dims.map((d) => dims.find((x) => x.name === d)!.size),
      units,
      ...(coordinate ? { coordinate } : {}),
    });
  };
  add(
    'mean',
    {
      name: names.mean,
      dtype: 'float',
      dims: grid2,
      data: set.mean,
      attrs: common({
        long_name: `ensemble mean of ${std}`,
        units: f.units,
        cell_methods: 'realization: mean',
      }),
    },
    f.units,
  );
  add(
    'std',
    {
      name: names.std,
      dtype: 'float',
      dims: grid2,
      data: set.std,
      attrs: common({
        long_name: `ensemble standard deviation of ${std}`,
        units: f.units,
        cell_methods: 'realization: standard_deviation',
      }),
    },
    f.units,
  );
  if (set.percentiles) {
    dims.push({ name: 'percentile', size: set.percentiles.levels.length });
    vars.push({
      name: 'percentile',
      dtype: 'float',
      dims: ['percentile'],
      data: set.percentiles.levels,
      attrs: { units: '%', long_name: 'percentile' },
    });
    add(
      'percentiles',
      {
        name: names.percentiles,
        dtype: 'float',
        dims: ['percentile', ...grid2],
        data: set.percentiles.data,
        attrs: common({ long_name: `${std} percentiles`, units: f.units }),
      },
      f.units,
      set.percentiles.levels,
    );
  }
  if (set.probabilities) {
    dims.push({ name: 'threshold', size: set.probabilities.thresholds.length });
    vars.push({
      name: 'threshold',
      dtype: 'float',
      dims: ['threshold'],
      data: set.probabilities.thresholds,
      attrs: { units: f.units, long_name: `${std} threshold`, spp__relative_to_threshold: 'greater_than' },
    });
    add(
      'probabilities',
      {
        name: names.probabilities,
        dtype: 'float',
        dims: ['threshold', ...grid2],
        data: set.probabilities.data,
        attrs: common({ long_name: `probability of ${std} above threshold`, units: '1' }),
      },
      '1',
      set.probabilities.thresholds,
    );
  }
  if (set.realizations) {
    dims.push({ name: 'realization', size: set.realizations.ids.length });
    vars.push({
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: set.realizations.ids,
      attrs: { standard_name: 'realization', units: '1' },
    });
    add(
      'realizations',
      {
        name: names.realizations,
        dtype: 'float',
        dims: ['realization', ...grid2],
        data: set.realizations.data,
        attrs: common({ long_name: `${std} realizations`, units: f.units }),
      },
      f.units,
      set.realizations.ids,
    );
  }
  const spec: FileSpec = {
    dimensions: dims,
    variables: vars,
    attrs: {
      Conventions: 'CF-1.8',
      title: `${req.method} post-processed ${req.variable}${f.level !== undefined ? ` at ${f.level} hPa` : ''}`,
      source: meta.source,
      institution: 'epp ensemble post-processing service',
      history: meta.history,
      epp_job_id: meta.id,
      epp_method: req.method,
      epp_members: f.members.join(','),
    },
  };
  return { spec, products };
}
