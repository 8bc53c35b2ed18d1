/**
 * Queries on a finished forecast: the nearest grid point (like forecasters' point APIs) and statistics
 * over a bounding box, read from `outputs/<id>/result.nc` as described by its `result.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { ForecastJobResult, ProductInfo } from '../../contracts/jobs.js';
import { openDataset } from '../../netcdf/index.js';
import { FileAccessError, NotFoundError } from '../../contracts/errors.js';
import { bboxIndices, lonDelta } from './products.js';
import type { Grid } from '../../ensemble/types.js';

export interface LoadedResult {
  id: string;
  result: ForecastJobResult;
  grid: Grid;
  products: { info: ProductInfo; data: Float32Array }[];
}

/**
 * Load a finished job's products into memory (they are one field each: small). `files` are the absolute
 * paths of its `result.json` and `result.nc`, resolved inside the data root by the caller.
 */
export async function loadForecastResult(
  files: { json: string; nc: string },
  id: string,
): Promise<LoadedResult> {
  if (!existsSync(files.json)) throw new NotFoundError(`forecast ${id} has no result (yet)`);
  const result = JSON.parse(readFileSync(files.json, 'utf8')) as ForecastJobResult;
  if (!existsSync(files.nc))
    throw new FileAccessError(`no file ${JSON.stringify(`outputs/${id}/result.nc`)} under the data root`);
  const ds = await openDataset(files.nc);
  try {
    const first = result.products[0];
    const [yName, xName] = first.dims.slice(-2);
    const y = Float64Array.from(ds.readVariable(yName).data);
    const x = Float64Array.from(ds.readVariable(xName).data);
    const latlon = yName === 'latitude' && xName === 'longitude';
    const grid: Grid = {
      kind: latlon ? 'latlon' : 'projected',
      yName,
      xName,
      y,
      x,
      latitude: new Float64Array(0),
      longitude: new Float64Array(0),
    };
    const products = result.products.map((info) => ({
      info,
      data: Float32Array.from(ds.readVariable(info.name).data),
    }));
    return { id, result, grid, products };
  } finally {
    ds.close();
  }
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Values at the grid point nearest (great-circle on a lat–lon grid) to (lat, lon). */
export function pointQuery(r: LoadedResult, lat: number, lon: number): Record<string, unknown> {
  if (!(lat >= -90 && lat <= 90)) throw new InvalidArgumentError('lat must be in [-90, 90]');
  if (!(lon >= -180 && lon <= 360)) throw new InvalidArgumentError('lon must be in [-180, 360]');
  if (r.grid.kind !== 'latlon')
    throw new InvalidArgumentError('point queries need a latitude–longitude grid');
  const { y, x } = r.grid;
  let j = 0;
  for (let k = 1; k < y.length; k++) if (Math.abs(y[k] - lat) < Math.abs(y[j] - lat)) j = k;
  let i = 0;
  for (let k = 1; k < x.length; k++) if (Math.abs(lonDelta(x[k], lon)) < Math.abs(lonDelta(x[i], lon))) i = k;
  const nx = x.length;
  const n = y.length * nx;
  const p = j * nx + i;
  const out: Record<string, unknown> = {
    id: r.id,
    variable: r.result.summary.variable,
    units: r.result.summary.units,
    validTime: r.result.summary.validTime,
    requested: { lat, lon },
    gridPoint: { lat: y[j], lon: x[i] },
  };
  for (const { info, data } of r.products) {
    if (info.kind === 'mean' || info.kind === 'std') out[info.kind] = num(data[p]);
    else {
      const values: Record<string, number | null> = {};
      info.coordinate!.forEach((c, k) => (values[String(c)] = num(data[k * n + p])));
      out[info.kind] = values;
    }
  }
  return out;
}

/**
 * Statistics of each product over the grid points inside a bbox: min, max and the cos(latitude)-weighted
 * mean (area weights on a regular lat–lon grid; removes the y, x dims).
 */
export function areaStats(r: LoadedResult, bbox: [number, number, number, number]): Record<string, unknown> {
  const { rows, cols } = bboxIndices(r.grid, bbox);
  const nx = r.grid.x.length;
  const n = r.grid.y.length * nx;
  const reduce = (data: Float32Array, off: number) => {
    let min = Infinity;
    let max = -Infinity;
    let sw = 0;
    let s = 0;
    for (const j of rows) {
      const w = Math.cos((r.grid.y[j] * Math.PI) / 180);
      for (const i of cols) {
        const v = data[off + j * nx + i];
        if (Number.isNaN(v)) continue;
        min = Math.min(min, v);
        max = Math.max(max, v);
        s += w * v;
        sw += w;
      }
    }
    return { min: num(min), max: num(max), mean: sw > 0 ? s / sw : null };
  };
  const out: Record<string, unknown> = {
    id: r.id,
    variable: r.result.summary.variable,
    units: r.result.summary.units,
    bbox,
    points: rows.length * cols.length,
  };
  for (const { info, data } of r.products) {
    if (info.kind === 'mean' || info.kind === 'std') out[info.kind] = reduce(data, 0);
    else {
      const values: Record<string, unknown> = {};
      info.coordinate!.forEach((c, k) => (values[String(c)] = reduce(data, k * n)));
      out[info.kind] = values;
    }
  }
  return out;
}
