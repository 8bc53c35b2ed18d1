/**
 * Queries on a finished forecast, read from `outputs/<id>/result.nc` as described by its `result.json`:
 * the time series of every product at a point (nearest grid point or bilinear, on lat–lon grids with
 * longitude wrap and on projected grids through their CF grid mapping), as JSON or CSV; statistics over a
 * bounding box per time; and the bbox's subgrid as a NetCDF file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../../contracts/errors.js';
import type { ForecastJobResult, ProductInfo } from '../../contracts/jobs.js';
import { laeaForward, laeaParamsFromAttrs } from '../../ensemble/laea.js';
import { openDataset } from '../../netcdf/index.js';
import type { FileSpec, VariableSpec } from '../../netcdf/types.js';
import { FileAccessError, NotFoundError } from '../../contracts/errors.js';
import { lonDelta, lonInRange } from './products.js';
import type { Grid } from '../../ensemble/types.js';

export interface LoadedResult {
  id: string;
  result: ForecastJobResult;
  grid: Grid;
  /** Valid times (ISO) along the products' time axis (one entry for a file without a time dimension). */
  times: string[];
  products: { info: ProductInfo; data: Float32Array }[];
  /** The result file's absolute path (for the subgrid NetCDF). */
  nc: string;
}

export type Interp = 'nearest' | 'bilinear';

/**
 * Load a finished job's products into memory. `files` are the absolute paths of its `result.json` and
 * `result.nc`, resolved inside the data root by the caller.
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
    const latlon = ds.variable(yName).attrs.standard_name === 'latitude' || yName === 'latitude';
    const n = y.length * x.length;
    const aux = (name: string) =>
      ds.hasVariable(name) && ds.variable(name).dims.length === 2
        ? Float64Array.from(ds.readVariable(name).data)
        : new Float64Array(n).fill(NaN);
    const gmName = ds.variable(first.name).attrs.grid_mapping;
    const gridMapping =
      typeof gmName === 'string' && ds.hasVariable(gmName)
        ? { name: gmName, attrs: { ...ds.variable(gmName).attrs } }
        : undefined;
    const grid: Grid = {
      kind: latlon ? 'latlon' : 'projected',
      yName,
      xName,
      y,
      x,
      latitude: latlon ? new Float64Array(0) : aux('latitude'),
      longitude: latlon ? new Float64Array(0) : aux('longitude'),
      ...(gridMapping ? { gridMapping } : {}),
    };
    const times =
      result.summary.validTimes ?? (result.summary.validTime ? [result.summary.validTime] : ['unknown']);
    const products = result.products.map((info) => ({
      info,
      data: Float32Array.from(ds.readVariable(info.name).data),
    }));
    return { id, result, grid, times, products, nc: files.nc };
  } finally {
    ds.close();
  }
}

const num = (x: number) => (Number.isFinite(x) ? x : null);

/** Time steps of a product: its leading `time` dimension, else one. */
function timeSteps(info: ProductInfo): number {
  return info.dims[0] === 'time' ? info.shape[0] : 1;
}

/** Fractional index of `v` on a monotonic axis, or null outside it. */
function fracIndex(axis: Float64Array, v: number): number | null {
  const n = axis.length;
  if (n === 1) return Math.abs(axis[0] - v) < 1e-9 ? 0 : null;
  const asc = axis[n - 1] > axis[0];
  if (asc ? v < axis[0] || v > axis[n - 1] : v > axis[0] || v < axis[n - 1]) return null;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (asc ? axis[mid] <= v : axis[mid] >= v) lo = mid;
    else hi = mid;
  }
  return lo + (v - axis[lo]) / (axis[hi] - axis[lo]);
}

/** Fractional column of a longitude on a lat–lon grid, wrapping across the seam of a global grid. */
function lonIndex(x: Float64Array, lon: number): { i: number; periodic: boolean } | null {
  const n = x.length;
  const dx = n > 1 ? x[1] - x[0] : 0;
  const periodic = n > 1 && dx > 0 && Math.abs(dx * n - 360) < 1e-6;
  if (periodic) return { i: ((((lon - x[0]) % 360) + 360) % 360) / dx, periodic };
  for (const c of [lon, lon + 360, lon - 360]) {
    const f = fracIndex(x, c);
    if (f !== null) return { i: f, periodic: false };
  }
  return null;
}

/** The four corners and weights (bilinear) or one point (nearest) for (lat, lon) on the result's grid. */
export function pointWeights(
  grid: Grid,
  lat: number,
  lon: number,
  interp: Interp,
): { points: number[]; weights: number[]; gridPoint: { lat: number; lon: number } } {
  const ny = grid.y.length;
  const nx = grid.x.length;
  let fy: number | null;
  let fx: number | null;
  let periodic = false;
  if (grid.kind === 'latlon') {
    fy = fracIndex(grid.y, lat);
    const li = lonIndex(grid.x, lon);
    fx = li?.i ?? null;
    periodic = li?.periodic ?? false;
  } else if (grid.gridMapping?.attrs.grid_mapping_name === 'lambert_azimuthal_equal_area') {
    const [px, py] = laeaForward(laeaParamsFromAttrs(grid.gridMapping.attrs))(lat, lon);
    fy = fracIndex(grid.y, py);
    fx = fracIndex(grid.x, px);
  } else if (interp === 'nearest' && grid.latitude.some(Number.isFinite)) {
    // No projection formula: the nearest of the 2-D latitude/longitude points (great-circle, haversine).
    let best = -1;
    let bd = Infinity;
    const r = Math.PI / 180;
    for (let p = 0; p < ny * nx; p++) {
      const a =
        Math.sin(((grid.latitude[p] - lat) * r) / 2) ** 2 +
        Math.cos(lat * r) *
          Math.cos(grid.latitude[p] * r) *
          Math.sin((lonDelta(grid.longitude[p], lon) * r) / 2) ** 2;
      if (a < bd) {
        bd = a;
        best = p;
      }
    }
    return {
      points: [best],
      weights: [1],
      gridPoint: { lat: grid.latitude[best], lon: grid.longitude[best] },
    };
  } else
    throw new InvalidArgumentError(
      `point queries with interp=${interp} need a latitude–longitude grid or a lambert_azimuthal_equal_area grid mapping`,
    );
  if (fy === null || fx === null)
    throw new InvalidArgumentError(`(${lat}, ${lon}) lies outside the forecast grid`);
  const wrapX = (i: number) => (periodic ? ((i % nx) + nx) % nx : i);
  const at = (j: number, i: number) => j * nx + wrapX(i);
  const latOf = (j: number, i: number) => (grid.kind === 'latlon' ? grid.y[j] : grid.latitude[at(j, i)]);
  const lonOf = (j: number, i: number) =>
    grid.kind === 'latlon' ? grid.x[wrapX(i)] : grid.longitude[at(j, i)];
  if (interp === 'nearest') {
    const j = Math.round(fy);
    const i = wrapX(Math.round(fx));
    return { points: [at(j, i)], weights: [1], gridPoint: { lat: latOf(j, i), lon: lonOf(j, i) } };
  }
  // Bilinear on the grid's own axes (degrees or projected metres).
  const j0 = Math.min(Math.floor(fy), Math.max(0, ny - 2));
  const i0 = periodic ? Math.floor(fx) : Math.min(Math.floor(fx), Math.max(0, nx - 2));
  const ty = ny > 1 ? fy - j0 : 0;
  const tx = nx > 1 ? fx - i0 : 0;
  const j1 = Math.min(j0 + 1, ny - 1);
  const i1 = periodic ? i0 + 1 : Math.min(i0 + 1, nx - 1);
  return {
    points: [at(j0, i0), at(j0, i1), at(j1, i0), at(j1, i1)],
    weights: [(1 - ty) * (1 - tx), (1 - ty) * tx, ty * (1 - tx), ty * tx],
    gridPoint: { lat: latOf(Math.round(fy), Math.round(fx)), lon: lonOf(Math.round(fy), Math.round(fx)) },
  };
}

function sample(data: Float32Array, off: number, w: { points: number[]; weights: number[] }): number {
  let s = 0;
  for (let k = 0; k < w.points.length; k++) {
    if (w.weights[k] === 0) continue;
    s += w.weights[k] * data[off + w.points[k]];
  }
  return s; // NaN when any contributing point is missing
}

export interface PointSeries {
  id: string;
  variable: string;
  units: string;
  interp: Interp;
  requested: { lat: number; lon: number };
  gridPoint: { lat: number; lon: number };
  times: string[];
  /** Per product variable: its values per time (statistics) or per coordinate value per time. */
  series: Record<
    string,
    {
      kind: ProductInfo['kind'];
      units: string;
      values?: (number | null)[];
      byCoordinate?: Record<string, (number | null)[]>;
    }
  >;
  [shorthand: string]: unknown;
}

/**
 * Every product's time series at (lat, lon): nearest grid point, or bilinear in the grid's own coordinates
 * (degrees on lat–lon grids, projected metres through the grid mapping). Also the single-time shorthand
 * (`mean`, `std`, `percentiles`, `probabilities`, …) at the last time, as before whole-forecast results.
 */
export function pointSeries(
  r: LoadedResult,
  lat: number,
  lon: number,
  interp: Interp = 'nearest',
): PointSeries {
  if (!(lat >= -90 && lat <= 90)) throw new InvalidArgumentError('lat must be in [-90, 90]');
  if (!(lon >= -180 && lon <= 360)) throw new InvalidArgumentError('lon must be in [-180, 360]');
  if (interp !== 'nearest' && interp !== 'bilinear')
    throw new InvalidArgumentError('interp must be nearest or bilinear');
  const w = pointWeights(r.grid, lat, lon, interp);
  const n = r.grid.y.length * r.grid.x.length;
  const out: PointSeries = {
    id: r.id,
    variable: r.result.summary.variable,
    units: r.result.summary.units,
    validTime: r.result.summary.validTime,
    interp,
    requested: { lat, lon },
    gridPoint: w.gridPoint,
    times: r.times,
    series: {},
  };
  for (const { info, data } of r.products) {
    const T = timeSteps(info);
    const per = info.coordinate?.length ?? 1;
    const vals = (k: number) => Array.from({ length: T }, (_, t) => num(sample(data, (t * per + k) * n, w)));
    if (!info.coordinate) {
      const values = vals(0);
      out.series[info.name] = { kind: info.kind, units: info.units, values };
      out[info.kind] = values[T - 1];
    } else {
      const byCoordinate: Record<string, (number | null)[]> = {};
      const last: Record<string, number | null> = {};
      info.coordinate.forEach((c, k) => {
        byCoordinate[String(c)] = vals(k);
        last[String(c)] = byCoordinate[String(c)][T - 1];
      });
      out.series[info.name] = { kind: info.kind, units: info.units, byCoordinate };
      out[info.kind === 'probabilities_below' ? 'probabilitiesBelow' : info.kind] = last;
    }
  }
  return out;
}

/** The time series as CSV: one row per valid time, one column per product (and coordinate value). */
export function pointSeriesCsv(s: PointSeries): string {
  const cols: { name: string; values: (number | null)[] }[] = [];
  for (const [name, e] of Object.entries(s.series)) {
    if (e.values) cols.push({ name, values: e.values });
    else
      for (const [c, v] of Object.entries(e.byCoordinate ?? {}))
        cols.push({ name: `${name}[${e.kind === 'percentiles' ? `${c}%` : c}]`, values: v });
  }
  const lines = [['valid_time', ...cols.map((c) => c.name)].join(',')];
  s.times.forEach((t, i) =>
    lines.push([t, ...cols.map((c) => (c.values[i] === null ? '' : String(c.values[i])))].join(',')),
  );
  return lines.join('\n') + '\n';
}

/** Grid points inside a bbox: rows × cols on lat–lon grids, any point by its 2-D lat/lon on projected ones. */
function bboxPoints(
  grid: Grid,
  bbox: [number, number, number, number],
): { points: number[]; rows: number[]; cols: number[] } {
  const [w, s, e, nb] = bbox;
  const nx = grid.x.length;
  const ny = grid.y.length;
  const full = e - w >= 360;
  const inLon = (x: number) => full || lonInRange(x, w, e);
  const points: number[] = [];
  if (grid.kind === 'latlon') {
    const rows = Array.from(grid.y.keys()).filter((j) => grid.y[j] >= s - 1e-9 && grid.y[j] <= nb + 1e-9);
    const cols = Array.from(grid.x.keys()).filter((i) => inLon(grid.x[i]));
    for (const j of rows) for (const i of cols) points.push(j * nx + i);
    if (!points.length) throw new InvalidArgumentError(`bbox ${bbox.join(',')} contains no grid point`);
    return { points, rows, cols };
  }
  if (!grid.latitude.some(Number.isFinite))
    throw new InvalidArgumentError('area queries on this projected grid need latitude/longitude coordinates');
  const rs = new Set<number>();
  const cs = new Set<number>();
  for (let p = 0; p < ny * nx; p++) {
    const la = grid.latitude[p];
    if (la >= s - 1e-9 && la <= nb + 1e-9 && inLon(grid.longitude[p])) {
      points.push(p);
      rs.add(Math.floor(p / nx));
      cs.add(p % nx);
    }
  }
  if (!points.length) throw new InvalidArgumentError(`bbox ${bbox.join(',')} contains no grid point`);
  const span = (set: Set<number>) => {
    const a = [...set];
    const lo = Math.min(...a);
    const hi = Math.max(...a);
    return Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  };
  return { points, rows: span(rs), cols: span(cs) };
}

/**
 * Statistics of each product over the grid points inside a bbox, per time: min, max and the mean weighted
 * by cell area — cos(latitude) on a regular lat–lon grid, equal weights on an equal-area projection.
 * The top-level product keys hold the last time (as before whole-forecast results); `series` every time.
 */
export function areaStats(r: LoadedResult, bbox: [number, number, number, number]): Record<string, unknown> {
  const { points } = bboxPoints(r.grid, bbox);
  const nx = r.grid.x.length;
  const n = r.grid.y.length * nx;
  const latlon = r.grid.kind === 'latlon';
  const weight = (p: number) => (latlon ? Math.cos((r.grid.y[Math.floor(p / nx)] * Math.PI) / 180) : 1);
  const reduce = (data: Float32Array, off: number) => {
    let min = Infinity;
    let max = -Infinity;
    let sw = 0;
    let s = 0;
    for (const p of points) {
      const v = data[off + p];
      if (Number.isNaN(v)) continue;
      const wt = weight(p);
      min = Math.min(min, v);
      max = Math.max(max, v);
      s += wt * v;
      sw += wt;
    }
    return { min: num(min), max: num(max), mean: sw > 0 ? s / sw : null };
  };
  const out: Record<string, unknown> = {
    id: r.id,
    variable: r.result.summary.variable,
    units: r.result.summary.units,
    bbox,
    points: points.length,
    weights: latlon ? 'cos(latitude)' : 'equal (equal-area grid)',
    times: r.times,
  };
  const series: Record<string, unknown> = {};
  for (const { info, data } of r.products) {
    const T = timeSteps(info);
    const per = info.coordinate?.length ?? 1;
    const key = info.kind === 'probabilities_below' ? 'probabilitiesBelow' : info.kind;
    if (!info.coordinate) {
      const values = Array.from({ length: T }, (_, t) => reduce(data, t * n));
      series[info.name] = values;
      out[key] = values[T - 1];
    } else {
      const by: Record<string, unknown[]> = {};
      const last: Record<string, unknown> = {};
      info.coordinate.forEach((c, k) => {
        by[String(c)] = Array.from({ length: T }, (_, t) => reduce(data, (t * per + k) * n));
        last[String(c)] = by[String(c)][T - 1];
      });
      series[info.name] = by;
      out[key] = last;
    }
  }
  out.series = series;
  return out;
}

/** The result file cut to the bbox's rows and columns (every variable, attribute and time kept). */
export async function areaSubgrid(
  r: LoadedResult,
  bbox: [number, number, number, number],
): Promise<FileSpec> {
  const { rows, cols } = bboxPoints(r.grid, bbox);
  const { yName, xName } = r.grid;
  const ds = await openDataset(r.nc);
  try {
    const dims = ds.dimensions.map((d) => ({
      name: d.name,
      size: d.name === yName ? rows.length : d.name === xName ? cols.length : d.size,
    }));
    const variables: VariableSpec[] = ds.variables.map((v) => {
      const data = ds.readVariable(v.name).data;
      const yi = v.dims.indexOf(yName);
      const xi = v.dims.indexOf(xName);
      let out: ArrayLike<number> = data;
      if (yi >= 0 || xi >= 0) {
        const shape = v.shape;
        const keep = v.dims.map((d, k) =>
          k === yi ? rows : k === xi ? cols : Array.from({ length: shape[k] }, (_, i) => i),
        );
        const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
        const res: number[] = [];
        const walk = (k: number, off: number) => {
          if (k === shape.length) {
            res.push(data[off]);
            return;
          }
          for (const i of keep[k]) walk(k + 1, off + i * strides[k]);
        };
        walk(0, 0);
        out = res;
      }
      return {
        name: v.name,
        dtype: v.dtype as VariableSpec['dtype'],
        dims: v.dims,
        attrs: v.attrs,
        ...(v.attrTypes ? { attrTypes: v.attrTypes } : {}),
        data: out,
      };
    });
    return {
      dimensions: dims,
      variables,
      attrs: { ...ds.attrs, epp_subgrid_bbox: bbox.join(',') },
    };
  } finally {
    ds.close();
  }
}
