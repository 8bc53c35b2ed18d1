/**
 * IMPROVER-style CF-1.8 products of a calibrated forecast (DESIGN §3): `<var>_mean`, `<var>_std`,
 * `<var>(percentile, y, x)`, `probability_of_<var>_above_threshold(threshold, y, x)` with
 * spp__relative_to_threshold = "greater_than"; ECC members `<var>(realization, y, x)` go to a second file
 * because CF allows one variable per name.
 */
import type { FileSpec, VariableSpec } from '../netcdf/types.js';
import type { CalibratedForecast } from './apply.js';

export interface ProductAttrs {
  history: string;
  institution?: string;
}

/** CF attributes of a horizontal coordinate: metres on projected grids, degrees on lat–lon grids. */
function axisAttrs(cal: CalibratedForecast, axis: 'X' | 'Y') {
  const name = axis === 'Y' ? cal.grid.yName : cal.grid.xName;
  if (cal.grid.kind === 'projected')
    return {
      axis,
      units: 'm',
      standard_name: name.startsWith('projection_') ? name : `projection_${axis.toLowerCase()}_coordinate`,
    };
  return axis === 'Y'
    ? { axis, units: 'degrees_north', standard_name: 'latitude' }
    : { axis, units: 'degrees_east', standard_name: 'longitude' };
}

function common(cal: CalibratedForecast, extraDims: { name: string; size: number }[], a: ProductAttrs) {
  const { yName, xName } = cal.grid;
  const dimensions = [...extraDims, { name: yName, size: cal.ny }, { name: xName, size: cal.nx }];
  const variables: VariableSpec[] = [
    { name: yName, dtype: 'double', dims: [yName], data: cal.grid.y, attrs: axisAttrs(cal, 'Y') },
    { name: xName, dtype: 'double', dims: [xName], data: cal.grid.x, attrs: axisAttrs(cal, 'X') },
    {
      name: 'time',
      dtype: 'double',
      dims: [],
      data: [cal.validTime],
      attrs: { units: 'seconds since 1970-01-01 00:00:00', standard_name: 'time', calendar: 'standard' },
    },
  ];
  if (cal.initTime !== undefined)
    variables.push({
      name: 'forecast_reference_time',
      dtype: 'double',
      dims: [],
      data: [cal.initTime],
      attrs: {
        units: 'seconds since 1970-01-01 00:00:00',
        standard_name: 'forecast_reference_time',
        calendar: 'standard',
      },
    });
  if (cal.leadHours !== undefined)
    variables.push({
      name: 'forecast_period',
      dtype: 'int',
      dims: [],
      data: [Math.round(cal.leadHours * 3600)],
      attrs: { units: 'seconds', standard_name: 'forecast_period' },
    });
  const coordinates = [
    'time',
    cal.initTime !== undefined ? 'forecast_reference_time' : '',
    cal.leadHours !== undefined ? 'forecast_period' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const attrs = {
    title: `EMOS-calibrated ${cal.variable} (${cal.distribution})`,
    source: `epp EMOS calibration of ${cal.source}`,
    institution: a.institution ?? 'epp',
    history: a.history,
    Conventions: 'CF-1.8',
  };
  return { dimensions, variables, coordinates, attrs, yName, xName };
}

/** Mean, std, percentiles and probabilities in one file. */
export function calibratedFileSpec(cal: CalibratedForecast, a: ProductAttrs): FileSpec {
  const extra = [
    ...(cal.percentiles ? [{ name: 'percentile', size: cal.percentiles.levels.length }] : []),
    ...(cal.probabilities ? [{ name: 'threshold', size: cal.probabilities.thresholds.length }] : []),
  ];
  const { dimensions, variables, coordinates, attrs, yName, xName } = common(cal, extra, a);
  const v = cal.variable;
  const stat = (suffix: string, data: Float32Array, what: string): VariableSpec => ({
    name: `${v}_${suffix}`,
    dtype: 'float',
    dims: [yName, xName],
    data,
    attrs: {
      long_name: `${what} of the calibrated ${v} distribution (${cal.distribution})`,
      units: cal.units,
      coordinates,
    },
  });
  variables.push(stat('mean', cal.mean, 'mean'), stat('std', cal.std, 'standard deviation'));
  if (cal.percentiles)
    variables.push(
      {
        name: 'percentile',
        dtype: 'float',
        dims: ['percentile'],
        data: Float32Array.from(cal.percentiles.levels),
        attrs: { units: '%', long_name: 'percentile' },
      },
      {
        name: v,
        dtype: 'float',
        dims: ['percentile', yName, xName],
        data: cal.percentiles.data,
        attrs: { standard_name: v, units: cal.units, coordinates },
      },
    );
  if (cal.probabilities)
    variables.push(
      {
        name: 'threshold',
        dtype: 'float',
        dims: ['threshold'],
        data: Float32Array.from(cal.probabilities.thresholds),
        attrs: { units: cal.units, long_name: v, spp__relative_to_threshold: 'greater_than' },
      },
      {
        name: `probability_of_${v}_above_threshold`,
        dtype: 'float',
        dims: ['threshold', yName, xName],
        data: cal.probabilities.data,
        attrs: { long_name: `probability_of_${v}_above_threshold`, units: '1', coordinates },
      },
    );
  return { dimensions, variables, attrs };
}

/** ECC-rebuilt calibrated members: `<var>(realization, y, x)`. */
export function realizationsFileSpec(cal: CalibratedForecast, a: ProductAttrs): FileSpec {
  const r = cal.realizations!;
  const { dimensions, variables, coordinates, attrs, yName, xName } = common(
    cal,
    [{ name: 'realization', size: r.members.length }],
    a,
  );
  variables.push(
    {
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: Int32Array.from(r.members),
      attrs: { units: '1', standard_name: 'realization' },
    },
    {
      name: cal.variable,
      dtype: 'float',
      dims: ['realization', yName, xName],
      data: r.data,
      attrs: { standard_name: cal.variable, units: cal.units, coordinates },
    },
  );
  return {
    dimensions,
    variables,
    attrs: { ...attrs, title: `EMOS-calibrated ${cal.variable} members (ECC)` },
  };
}
