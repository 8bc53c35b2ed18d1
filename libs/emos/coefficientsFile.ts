/**
 * EMOS coefficients as a NetCDF file shaped like IMPROVER's (estimate-emos-coefficients kgo.nc):
 * emos_coefficient_alpha|beta|gamma|delta with `distribution` and `diagnostic_standard_name` attributes,
 * scalars for a global fit, [y, x] (beta [realization, y, x]) for point-by-point fits.
 */
import { InvalidNetcdfError } from '../contracts/errors.js';
import type { Grid } from '../ensemble/types.js';
import type { Dataset, FileSpec, VariableSpec } from '../netcdf/types.js';
import type { EmosCoefficients } from './types.js';

const NAMES = ['alpha', 'beta', 'gamma', 'delta'] as const;

/** The FileSpec of a coefficients file (written with writeNetcdf by the caller). */
export function coefficientsFileSpec(c: EmosCoefficients, history: string): FileSpec {
  const { yName, xName } = c.grid;
  const dims = c.pointByPoint ? [yName, xName] : [];
  const betaDims = c.predictor === 'realizations' ? ['realization', ...dims] : dims;
  const dimensions = [
    ...(c.predictor === 'realizations' ? [{ name: 'realization', size: c.predictors }] : []),
    ...(c.pointByPoint
      ? [
          { name: yName, size: c.ny },
          { name: xName, size: c.nx },
        ]
      : []),
    { name: 'string_len', size: Math.max(1, c.diagnostic.length) },
  ];
  const coordNames = ['forecast_period', 'forecast_reference_time', 'predictor_name'].join(' ');
  const variables: VariableSpec[] = NAMES.map((name) => ({
    name: `emos_coefficient_${name}`,
    dtype: 'float',
    dims: name === 'beta' ? betaDims : dims,
    attrs: {
      long_name: `emos_coefficient_${name}`,
      units: name === 'alpha' || name === 'gamma' ? c.units : '1',
      diagnostic_standard_name: c.diagnostic,
      distribution: c.distribution,
      ...(c.distribution === 'truncnorm' ? { shape_parameters: [0, Infinity] } : {}),
      coordinates: coordNames,
    },
    data: c[name],
  }));
  if (c.pointByPoint)
    variables.push(
      { name: yName, dtype: 'double', dims: [yName], data: c.grid.y, attrs: { axis: 'Y' } },
      { name: xName, dtype: 'double', dims: [xName], data: c.grid.x, attrs: { axis: 'X' } },
    );
  if (c.predictor === 'realizations')
    variables.push({
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: Int32Array.from({ length: c.predictors }, (_, i) => i),
      attrs: { units: '1', standard_name: 'realization' },
    });
  variables.push({
    name: 'predictor_name',
    dtype: 'char',
    dims: ['string_len'],
    data: c.diagnostic,
    attrs: { long_name: 'predictor_name' },
  });
  variables.push({
    name: 'forecast_period',
    dtype: 'int',
    dims: [],
    data: [Math.round((c.leadHours ?? NaN) * 3600) || 0],
    attrs: { units: 'seconds', standard_name: 'forecast_period' },
  });
  variables.push({
    name: 'forecast_reference_time',
    dtype: 'double',
    dims: [],
    data: [c.initTime ?? NaN],
    attrs: {
      units: 'seconds since 1970-01-01 00:00:00',
      standard_name: 'forecast_reference_time',
      calendar: 'standard',
    },
  });
  return {
    dimensions,
    variables,
    attrs: {
      title: 'Ensemble Model Output Statistics coefficients',
      source: 'epp EMOS (CRPS minimisation, analytic gradients, BFGS)',
      institution: 'epp',
      history,
      Conventions: 'CF-1.8',
      epp_predictor: c.predictor,
      epp_training_crps: c.crps,
      epp_training_points: c.samples,
      epp_converged: c.converged ? 'true' : 'false',
    },
  };
}

/** Read coefficients (ours or IMPROVER's) from an open Dataset; errors name the file. */
export function readCoefficients(ds: Dataset, grid?: Grid): EmosCoefficients {
  for (const n of NAMES)
    if (!ds.hasVariable(`emos_coefficient_${n}`))
      throw new InvalidNetcdfError(
        `${ds.path} is not an EMOS coefficients file: emos_coefficient_${n} is missing`,
      );
  const read = (n: string) => Float32Array.from(ds.readVariable(`emos_coefficient_${n}`).data);
  const alphaInfo = ds.variable('emos_coefficient_alpha');
  const betaInfo = ds.variable('emos_coefficient_beta');
  const distribution = String(alphaInfo.attrs.distribution ?? '');
  if (distribution !== 'norm' && distribution !== 'truncnorm')
    throw new InvalidNetcdfError(
      `${ds.path}: emos_coefficient_alpha has distribution "${distribution}", expected norm or truncnorm`,
    );
  const diagnostic = String(alphaInfo.attrs.diagnostic_standard_name ?? '');
  if (!diagnostic) throw new InvalidNetcdfError(`${ds.path}: coefficients lack diagnostic_standard_name`);
  const pointByPoint = alphaInfo.dims.length === 2;
  const realizations = betaInfo.dims.includes('realization');
  const ny = pointByPoint ? alphaInfo.shape[0] : 1;
  const nx = pointByPoint ? alphaInfo.shape[1] : 1;
  let g: Grid = grid ?? {
    kind: 'projected',
    yName: pointByPoint ? alphaInfo.dims[0] : 'y',
    xName: pointByPoint ? alphaInfo.dims[1] : 'x',
    y: new Float64Array(0),
    x: new Float64Array(0),
    latitude: new Float64Array(0),
    longitude: new Float64Array(0),
  };
  if (pointByPoint && !grid) {
    const [yn, xn] = alphaInfo.dims;
    g = {
      ...g,
      y: ds.hasVariable(yn)
        ? Float64Array.from(ds.readVariable(yn).data)
        : Float64Array.from({ length: ny }, (_, i) => i),
      x: ds.hasVariable(xn)
        ? Float64Array.from(ds.readVariable(xn).data)
        : Float64Array.from({ length: nx }, (_, i) => i),
    };
  }
  const beta = read('beta');
  return {
    distribution: distribution,
    predictor: realizations ? 'realizations' : 'mean',
    pointByPoint,
    alpha: read('alpha'),
    beta,
    gamma: read('gamma'),
    delta: read('delta'),
    predictors: realizations ? betaInfo.shape[betaInfo.dims.indexOf('realization')] : 1,
    diagnostic,
    units: String(alphaInfo.attrs.units ?? ''),
    ny,
    nx,
    grid: g,
    crps: Number(ds.attrs.epp_training_crps ?? NaN),
    iterations: 0,
    converged: String(ds.attrs.epp_converged ?? 'true') === 'true',
    samples: Number(ds.attrs.epp_training_points ?? 0),
  };
}
