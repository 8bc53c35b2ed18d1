import type { EnsembleField, Field2D, Grid } from '../../../libs/ensemble/types.js';
import type { GaussianForecast } from '../../../libs/scoring/types.js';

/** A 1 × n grid whose points have the given latitudes. */
export function lineGrid(lat: number[]): Grid {
  const n = lat.length;
  return {
    kind: 'latlon',
    yName: 'y',
    xName: 'x',
    y: new Float64Array([0]),
    x: Float64Array.from({ length: n }, (_, i) => i),
    latitude: Float64Array.from(lat),
    longitude: new Float64Array(n),
  };
}

export const f32 = (a: (number | null)[]) => Float32Array.from(a.map((v) => (v === null ? NaN : v)));

export function ensemble(data: (number | null)[], m: number, lat: number[], validTime = 0): EnsembleField {
  return {
    variable: 't',
    units: 'K',
    data: f32(data),
    members: Array.from({ length: m }, (_, i) => i),
    ny: 1,
    nx: lat.length,
    grid: lineGrid(lat),
    validTime,
    source: `forecast-${validTime}.nc`,
  };
}

export function field(data: (number | null)[], lat: number[], validTime = 0): Field2D {
  return {
    variable: 't',
    units: 'K',
    data: f32(data),
    ny: 1,
    nx: lat.length,
    grid: lineGrid(lat),
    validTime,
    source: `truth-${validTime}.nc`,
  };
}

export function gaussian(mean: (number | null)[], std: (number | null)[], lat: number[]): GaussianForecast {
  return {
    kind: 'gaussian',
    variable: 't',
    units: 'K',
    mean: f32(mean),
    std: f32(std),
    ny: 1,
    nx: lat.length,
    grid: lineGrid(lat),
    validTime: 0,
    source: 'gauss.nc',
  };
}

/** |a − b| ≤ rel·max(|b|, tiny) */
export function expectRel(actual: number, expected: number, rel = 1e-5, label = ''): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
  if (!(err <= rel)) throw new Error(`${label}: ${actual} vs reference ${expected} (relative error ${err})`);
}
