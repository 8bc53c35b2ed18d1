/**
 * The site product file: CF-1.8 `featureType = timeSeries` with `<NAME>(percentile, time, station)` for
 * percentiles 1..99 %, `<NAME>_mean`, `<NAME>_std` and `probability_of_<NAME>_above_threshold(threshold, time,
 * station)`, station coordinates, times, and provenance attributes. Written with libs/netcdf's writeNetcdf
 * (netCDF-3 64-bit offset); issue 15's shared product writer was not on main when this was written.
 */
import { writeNetcdf } from '../netcdf/write.js';
import type { FileSpec, VariableSpec } from '../netcdf/types.js';
import type { SiteModel, SitePrediction } from './model.js';

export interface PredictionProvenance {
  model: SiteModel;
  modelHash: string;
  forecastFile: string;
}

export function predictionSpec(p: SitePrediction, prov: PredictionProvenance): FileSpec {
  const T = p.times.length;
  const S = p.stations.id.length;
  const name = p.variable;
  const idLen = Math.max(1, ...p.stations.id.map((s) => s.length));
  const coords = 'latitude longitude altitude station_id';
  const fill = { _FillValue: NaN };
  const variables: VariableSpec[] = [
    {
      name: 'time',
      dtype: 'double',
      dims: ['time'],
      attrs: {
        standard_name: 'time',
        units: 'seconds since 1970-01-01 00:00:00',
        calendar: 'standard',
        long_name: 'end of the validity period',
      },
      data: p.times,
    },
    {
      name: 'station_id',
      dtype: 'char',
      dims: ['station', 'id_strlen'],
      attrs: { cf_role: 'timeseries_id', long_name: 'station identifier' },
      data: p.stations.id,
    },
    {
      name: 'latitude',
      dtype: 'float',
      dims: ['station'],
      attrs: { standard_name: 'latitude', units: 'degrees_north' },
      data: Float32Array.from(p.stations.latitude),
    },
    {
      name: 'longitude',
      dtype: 'float',
      dims: ['station'],
      attrs: { standard_name: 'longitude', units: 'degrees_east' },
      data: Float32Array.from(p.stations.longitude),
    },
    {
      name: 'altitude',
      dtype: 'float',
      dims: ['station'],
      attrs: { standard_name: 'height_above_mean_sea_level', units: 'm' },
      data: Float32Array.from(p.stations.altitude),
    },
    {
      name: 'percentile',
      dtype: 'float',
      dims: ['percentile'],
      attrs: { units: '%', long_name: 'percentile of the predictive distribution' },
      data: Float32Array.from(p.percentiles),
    },
    {
      name: 'threshold',
      dtype: 'float',
      dims: ['threshold'],
      attrs: { units: p.units, standard_name: name, long_name: `threshold of ${name}` },
      data: Float32Array.from(p.thresholds),
    },
    {
      name,
      dtype: 'float',
      dims: ['percentile', 'time', 'station'],
      attrs: { standard_name: name, units: p.units, coordinates: coords, ...fill },
      data: p.quantiles,
    },
    {
      name: `${name}_mean`,
      dtype: 'float',
      dims: ['time', 'station'],
      attrs: {
        long_name: `mean of the predictive distribution of ${name}`,
        units: p.units,
        coordinates: coords,
        ...fill,
      },
      data: p.mean,
    },
    {
      name: `${name}_std`,
      dtype: 'float',
      dims: ['time', 'station'],
      attrs: {
        long_name: `standard deviation of the predictive distribution of ${name}`,
        units: p.units,
        coordinates: coords,
        ...fill,
      },
      data: p.std,
    },
    {
      name: `probability_of_${name}_above_threshold`,
      dtype: 'float',
      dims: ['threshold', 'time', 'station'],
      attrs: {
        long_name: `probability of ${name} above threshold`,
        units: '1',
        coordinates: coords,
        ...fill,
      },
      data: p.probabilities,
    },
  ];
  if (p.referenceTimes)
    variables.splice(1, 0, {
      name: 'forecast_reference_time',
      dtype: 'double',
      dims: ['time'],
      attrs: {
        standard_name: 'forecast_reference_time',
        units: 'seconds since 1970-01-01 00:00:00',
        calendar: 'standard',
      },
      data: p.referenceTimes,
    });
  const m = prov.model;
  return {
    dimensions: [
      { name: 'percentile', size: p.percentiles.length },
      { name: 'threshold', size: p.thresholds.length },
      { name: 'time', size: T },
      { name: 'station', size: S },
      { name: 'id_strlen', size: idLen },
    ],
    variables,
    attrs: {
      Conventions: 'CF-1.8',
      featureType: 'timeSeries',
      title: `epp ${m.method} site forecast of ${name}`,
      source: prov.forecastFile,
      epp_method: m.method,
      epp_distribution: m.family,
      epp_members_used: m.members.join(','),
      epp_members_in_training_file: m.membersInFile,
      epp_extra_predictors: m.extras.join(',') || 'none',
      epp_training_period: `${m.trainFrom ?? 'start'}/${m.trainTo}`,
      epp_model_hash: `sha256:${prov.modelHash}`,
      history: `${new Date().toISOString()}: epp sites predict`,
    },
  };
}

/** Write the prediction file (atomically). */
export async function writePrediction(
  path: string,
  p: SitePrediction,
  prov: PredictionProvenance,
): Promise<void> {
  await writeNetcdf(path, predictionSpec(p, prov));
}
