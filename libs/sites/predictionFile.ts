/**
 * The site product file: CF-1.8 `featureType = timeSeries` with `<NAME>(percentile, time, station)` for
 * percentiles 1..99 %, `<NAME>_mean`, `<NAME>_std` and `probability_of_<NAME>_above_threshold(threshold, time,
 * station)`, station coordinates, times, and provenance attributes. Names, long_names, cell_methods, the
 * threshold coordinate and the global attributes come from libs/products (the one product writer's builders),
 * so grid and site products of a variable read the same; only the timeSeries layout is this file's own.
 * Written with libs/netcdf's writeNetcdf (netCDF-3 64-bit offset).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  globalAttrs,
  methodLabel,
  percentileAttrs,
  probabilityProduct,
  productNames,
  statisticAttrs,
  thresholdAttrs,
  type ProductLabel,
} from '../products/index.js';
import { writeNetcdf } from '../netcdf/write.js';
import type { FileSpec, VariableSpec } from '../netcdf/types.js';
import type { SiteModel, SitePrediction } from './model.js';

/** The predictive distribution as named in the products: the family, or a DRN's Bernstein quantile function. */
export function distributionOf(m: SiteModel): string {
  if (m.drn?.output === 'bernstein')
    return `bernstein-quantile-function (degree ${m.drn.degree}, ${m.family === 'normal' ? 'uncensored' : 'censored at 0'})`;
  return m.family;
}

export interface PredictionProvenance {
  model: SiteModel;
  modelHash: string;
  forecastFile: string;
  /** SHA-256 of the forecast file (hex); computed from the file when left out. */
  forecastSha256?: string;
}

export function predictionSpec(p: SitePrediction, prov: PredictionProvenance): FileSpec {
  const T = p.times.length;
  const S = p.stations.id.length;
  const name = p.variable;
  const idLen = Math.max(1, ...p.stations.id.map((s) => s.length));
  const coords = 'latitude longitude altitude station_id';
  const fill = { _FillValue: NaN };
  const m = prov.model;
  const lab: ProductLabel = {
    name,
    label: methodLabel(m.method, distributionOf(m), m.members.length),
    units: p.units,
    standardName: name,
  };
  const names = productNames(name);
  const above = probabilityProduct('above', lab);
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
      attrs: { ...thresholdAttrs(lab), standard_name: name },
      data: Float32Array.from(p.thresholds),
    },
    {
      name,
      dtype: 'float',
      dims: ['percentile', 'time', 'station'],
      attrs: { ...percentileAttrs(lab), coordinates: coords, ...fill },
      data: p.quantiles,
    },
    {
      name: names.mean,
      dtype: 'float',
      dims: ['time', 'station'],
      attrs: { ...statisticAttrs('mean', lab), coordinates: coords, ...fill },
      data: p.mean,
    },
    {
      name: names.std,
      dtype: 'float',
      dims: ['time', 'station'],
      attrs: { ...statisticAttrs('std', lab), coordinates: coords, ...fill },
      data: p.std,
    },
    {
      name: above.name,
      dtype: 'float',
      dims: ['threshold', 'time', 'station'],
      attrs: { ...above.attrs, coordinates: coords, ...fill },
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
  const input = path.basename(prov.forecastFile);
  const sha =
    prov.forecastSha256 ?? createHash('sha256').update(readFileSync(prov.forecastFile)).digest('hex');
  return {
    dimensions: [
      { name: 'percentile', size: p.percentiles.length },
      { name: 'threshold', size: p.thresholds.length },
      { name: 'time', size: T },
      { name: 'station', size: S },
      { name: 'id_strlen', size: idLen },
    ],
    variables,
    attrs: globalAttrs({
      extra: { featureType: 'timeSeries' },
      title: `${lab.label[0].toUpperCase()}${lab.label.slice(1)} site forecast of ${name}`,
      source: `epp sites ${m.method} post-processing of ${input}`,
      history: `${new Date().toISOString()} epp sites predict`,
      provenance: {
        method: m.method,
        distribution: distributionOf(m),
        members_used: m.members.join(','),
        members_in_training_file: m.membersInFile,
        extra_predictors: m.extras.join(',') || 'none',
        training_period: `${m.trainFrom ?? 'start'}/${m.trainTo}`,
        model_hash: `sha256:${prov.modelHash}`,
        input_file: input,
        input_sha256: sha,
      },
    }),
  };
}

/** Write the prediction file (atomically). */
export async function writePrediction(
  file: string,
  p: SitePrediction,
  prov: PredictionProvenance,
): Promise<void> {
  await writeNetcdf(file, predictionSpec(p, prov));
}
