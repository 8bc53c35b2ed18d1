/**
 * Read the ensemble fields a forecast request names — variable, pressure level, the selected times and the
 * member subset — from an open Dataset, one EnsembleField [member, y, x] per time. Also the cheap "preflight"
 * that the API runs before enqueueing, so bad requests are answered at once (422) instead of failing later.
 * Times are selected by index (−1 = the last), ISO valid time, an ISO range and lead hours; default all.
 */
import { InvalidArgumentError, MismatchError, NotFoundInFileError } from '../../contracts/errors.js';
import type { ForecastRequest } from '../../contracts/jobs.js';
import { detectGrid } from '../../ensemble/grid.js';
import { fieldTimes, scalarHeight, type FieldTimes } from '../../ensemble/read.js';
import type { EnsembleField, Grid } from '../../ensemble/types.js';
import type { Dataset } from '../../netcdf/types.js';
import { readSteps } from '../dataset/index.js';

const LEVEL_DIMS = ['level', 'isobaricInhPa', 'pressure', 'plev', 'pressure_level', 'lev'];
const LAT_NAMES = ['latitude', 'lat', 'y', 'projection_y_coordinate', 'grid_latitude'];
const LON_NAMES = ['longitude', 'lon', 'x', 'projection_x_coordinate', 'grid_longitude'];

/** One selected time: its index on the time axis and its CF times. */
export interface SelectedTime {
  index: number;
  validTime: number;
  initTime?: number;
  leadHours?: number;
  timeBounds?: [number, number];
}

/** How a request maps onto the variable's dimensions: the hyperslab to read and what each axis means. */
export interface FieldLayout {
  dims: string[];
  start: number[];
  count: number[];
  memberDim: string;
  /** 0-based member indices on the member axis (the request's 1-based positions − 1). */
  memberIndex: number[];
  memberIds: number[];
  timeDim?: string;
  /** Size of the time axis (1 without one). */
  timeSize: number;
  /** The selected entries on the time axis, in file order (at least one). */
  times: SelectedTime[];
  level?: number;
  yName: string;
  xName: string;
}

/** A `percentile` dimension of the variable (IMPROVER percentile form), as a member axis. */
function percentileAxis(ds: Dataset, dims: string[], shape: number[]): { name: string; size: number } | null {
  const i = dims.findIndex(
    (d) =>
      d === 'percentile' ||
      (ds.hasVariable(d) && String(ds.variable(d).attrs.long_name ?? '') === 'percentile'),
  );
  return i >= 0 ? { name: dims[i], size: shape[i] } : null;
}

function coordValues(ds: Dataset, dim: string): number[] | null {
  if (!ds.hasVariable(dim)) return null;
  return Array.from(ds.readVariable(dim).data);
}

/** Check the request against the file's metadata and return the hyperslab; errors name file and field. */
export function planField(ds: Dataset, req: ForecastRequest): FieldLayout {
  if (!ds.hasVariable(req.variable))
    throw new NotFoundInFileError(
      `${req.source.path}: no variable '${req.variable}' (the file has: ${ds.variables
        .filter((v) => v.dims.length >= 3)
        .map((v) => v.name)
        .join(', ')})`,
    );
  const v = ds.variable(req.variable);
  // IMPROVER percentile-form input (a `percentile` coordinate, no members): the percentiles are taken as an
  // ensemble of quantiles (equally weighted members), as IMPROVER's EMOS does with percentile input.
  const member = ds.memberAxis() ?? percentileAxis(ds, v.dims, v.shape);
  if (!member || !v.dims.includes(member.name))
    throw new NotFoundInFileError(
      `${req.source.path}: variable '${req.variable}' has no ensemble member axis`,
    );
  if (v.dims.length < 3)
    throw new MismatchError(`${req.source.path}: '${req.variable}' is not a gridded field`);
  const yName = v.dims[v.dims.length - 2];
  const xName = v.dims[v.dims.length - 1];
  const start = v.dims.map(() => 0);
  const count = v.dims.map(() => 1);
  count[v.dims.length - 2] = v.shape[v.dims.length - 2];
  count[v.dims.length - 1] = v.shape[v.dims.length - 1];
  const mDim = v.dims.indexOf(member.name);
  const positions = req.members ?? Array.from({ length: member.size }, (_, i) => i + 1);
  const bad = positions.filter((p) => p > member.size);
  if (bad.length)
    throw new InvalidArgumentError(
      `members ${bad.join(',')} do not exist: ${req.source.path} has ${member.size} members on '${member.name}'`,
    );
  const memberIndex = positions.map((p) => p - 1);
  const ids = coordValues(ds, member.name) ?? memberIndex;
  start[mDim] = memberIndex[0];
  count[mDim] = memberIndex[memberIndex.length - 1] - memberIndex[0] + 1;

  let level: number | undefined;
  let timeDim: string | undefined;
  let timeSize = 1;
  for (let d = 0; d < v.dims.length - 2; d++) {
    if (d === mDim) continue;
    const name = v.dims[d];
    const size = v.shape[d];
    if (LEVEL_DIMS.includes(name)) {
      const levels = coordValues(ds, name) ?? [];
      if (req.level === undefined) {
        if (size > 1)
          throw new InvalidArgumentError(
            `level is required: '${req.variable}' in ${req.source.path} has levels ${levels.join(', ')}`,
          );
        level = levels[0];
        continue;
      }
      const i = levels.findIndex((l) => Math.abs(l - req.level!) < 1e-6);
      if (i < 0)
        throw new NotFoundInFileError(
          `${req.source.path}: '${req.variable}' has no level ${req.level} (levels: ${levels.join(', ')})`,
        );
      start[d] = i;
      level = levels[i];
    } else if (size > 1) {
      if (timeDim !== undefined)
        throw new MismatchError(
          `${req.source.path}: '${req.variable}' has more than one non-spatial axis besides members and level`,
        );
      timeDim = name;
      timeSize = size;
    }
  }
  if (req.level !== undefined && level === undefined)
    throw new InvalidArgumentError(`level ${req.level} was given but '${req.variable}' has no level axis`);
  const layout: FieldLayout = {
    dims: v.dims,
    start,
    count,
    memberDim: member.name,
    memberIndex,
    memberIds: memberIndex.map((i) => ids[i]),
    timeDim,
    timeSize,
    times: [],
    level,
    yName,
    xName,
  };
  layout.times = selectTimes(ds, req, layout);
  return layout;
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t * 1000).toISOString() : 'unknown');

/** CF times of every entry on the time axis (from libs/ensemble; NaN valid time when none can be derived). */
function allTimes(ds: Dataset, req: ForecastRequest, plan: FieldLayout): SelectedTime[] {
  let cf: FieldTimes[] | undefined;
  try {
    cf = fieldTimes(ds, { variable: req.variable, level: plan.level });
  } catch {
    cf = undefined; // no recognisable grid or time coordinates: fall back to the valid time alone
  }
  return Array.from({ length: plan.timeSize }, (_, index) => {
    const t = cf?.find((x) => (plan.timeDim ? x.index[plan.timeDim] === index : true));
    const validTime = readValidTime(ds, plan, index);
    return {
      index,
      validTime,
      ...(t?.initTime !== undefined && Number.isFinite(t.initTime) ? { initTime: t.initTime } : {}),
      ...(t?.leadHours !== undefined && Number.isFinite(t.leadHours) ? { leadHours: t.leadHours } : {}),
      ...(t?.timeBounds ? { timeBounds: t.timeBounds } : {}),
    };
  });
}

/** Apply the request's time selection (index, validTime, from/to, leadHours); errors list what the file has. */
function selectTimes(ds: Dataset, req: ForecastRequest, plan: FieldLayout): SelectedTime[] {
  const all = allTimes(ds, req, plan);
  const where = `'${req.variable}' in ${req.source.path}`;
  let sel = all;
  if (req.time !== undefined) {
    const i = req.time === -1 ? plan.timeSize - 1 : req.time;
    if (i >= plan.timeSize)
      throw new InvalidArgumentError(
        `time index ${req.time} is out of range: ${where} has ${plan.timeSize} time(s)${plan.timeDim ? ` on '${plan.timeDim}'` : ''}`,
      );
    sel = sel.filter((t) => t.index === i);
  }
  const ms = (s: string) => Date.parse(s) / 1000;
  const list = () => all.map((t) => iso(t.validTime)).join(', ');
  if (req.validTime !== undefined) {
    sel = sel.filter((t) => t.validTime === ms(req.validTime!));
    if (!sel.length)
      throw new InvalidArgumentError(`validTime ${req.validTime}: ${where} has valid times ${list()}`);
  }
  if (req.from !== undefined || req.to !== undefined) {
    const lo = req.from !== undefined ? ms(req.from) : -Infinity;
    const hi = req.to !== undefined ? ms(req.to) : Infinity;
    sel = sel.filter((t) => t.validTime >= lo && t.validTime <= hi);
    if (!sel.length)
      throw new InvalidArgumentError(
        `from/to ${req.from ?? '…'}–${req.to ?? '…'} contains no valid time of ${where} (${list()})`,
      );
  }
  if (req.leadHours !== undefined) {
    const leads = req.leadHours;
    sel = sel.filter(
      (t) => t.leadHours !== undefined && leads.some((h) => Math.abs(h - t.leadHours!) < 1e-9),
    );
    if (!sel.length)
      throw new InvalidArgumentError(
        `leadHours ${leads.join(',')}: ${where} has lead times ${all.map((t) => t.leadHours ?? '?').join(', ')} h`,
      );
  }
  if (!sel.length) throw new InvalidArgumentError(`no time of ${where} is selected`);
  return sel;
}

function buildGrid(ds: Dataset, yName: string, xName: string, ny: number, nx: number): Grid {
  const y = Float64Array.from(coordValues(ds, yName) ?? Array.from({ length: ny }, (_, i) => i));
  const x = Float64Array.from(coordValues(ds, xName) ?? Array.from({ length: nx }, (_, i) => i));
  const latlon = LAT_NAMES.slice(0, 2).includes(yName) && LON_NAMES.slice(0, 2).includes(xName);
  const latitude = new Float64Array(ny * nx);
  const longitude = new Float64Array(ny * nx);
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      latitude[j * nx + i] = latlon ? y[j] : NaN;
      longitude[j * nx + i] = latlon ? x[i] : NaN;
    }
  return { kind: latlon ? 'latlon' : 'projected', yName, xName, y, x, latitude, longitude };
}

function firstTime(ds: Dataset, name: string, index = 0): number {
  try {
    return ds.readTime(name)[index] ?? NaN;
  } catch {
    return NaN; // not a CF time (e.g. a step axis in hours)
  }
}

/**
 * Valid time (s since 1970) of the planned slice: the time coordinate at the time index; for a lead (`step`)
 * axis, initialisation (`time` / `forecast_reference_time`, first entry) + step; NaN when neither is known.
 */
function readValidTime(ds: Dataset, plan: FieldLayout, timeIndex: number): number {
  if (plan.timeDim === 'step' || (plan.timeDim === undefined && ds.hasVariable('step'))) {
    const steps = readSteps(ds);
    const init = ['time', 'forecast_reference_time']
      .filter((t) => ds.hasVariable(t))
      .map((t) => firstTime(ds, t))
      .find(Number.isFinite);
    if (steps && init !== undefined) return init + steps[plan.timeDim ? timeIndex : 0] * 3600;
    return NaN;
  }
  if (plan.timeDim && ds.hasVariable(plan.timeDim)) return firstTime(ds, plan.timeDim, timeIndex);
  return ds.hasVariable('time') ? firstTime(ds, 'time') : NaN;
}

/** The grid of the variable: libs/ensemble's detectGrid (real lat/lon, grid mapping), else plain indices. */
function gridOf(ds: Dataset, req: ForecastRequest, plan: FieldLayout, ny: number, nx: number): Grid {
  const v = ds.variable(req.variable);
  try {
    const g = detectGrid(ds, v);
    if (g.yName === plan.yName && g.xName === plan.xName) return g;
  } catch {
    // not a recognised grid: the axes' own values, no latitude/longitude
  }
  return buildGrid(ds, plan.yName, plan.xName, ny, nx);
}

/** The planned hyperslab at one selected time, read and decoded (every member between the first and last requested). */
function readSlab(ds: Dataset, req: ForecastRequest, plan: FieldLayout, time: SelectedTime) {
  const start = [...plan.start];
  if (plan.timeDim) start[plan.dims.indexOf(plan.timeDim)] = time.index;
  return ds.readVariable(req.variable, { start, count: plan.count });
}

/**
 * What a job will read of its file, read now (the API's preflight, in a child process): the whole field
 * (grid, metadata, members) at the first selected time and the hyperslab at every other one — so a corrupt
 * chunk or a zlib bomb anywhere in the request is refused before enqueueing, without building the same grid
 * and member copies once per time.
 */
export function readFieldOnce(ds: Dataset, req: ForecastRequest, plan: FieldLayout): void {
  plan.times.forEach((t, i) => (i === 0 ? readField(ds, req, plan, t) : readSlab(ds, req, plan, t)));
}

/**
 * Read the planned hyperslab at one selected time (default the first selected) and keep the requested
 * members: data[member, y, x] float32, with the time's CF times, height and standard_name.
 */
export function readField(
  ds: Dataset,
  req: ForecastRequest,
  plan: FieldLayout,
  time: SelectedTime = plan.times[0],
): EnsembleField {
  const v = ds.variable(req.variable);
  const dec = readSlab(ds, req, plan, time);
  const ny = plan.count[plan.count.length - 2];
  const nx = plan.count[plan.count.length - 1];
  const n = ny * nx;
  const mDim = plan.dims.indexOf(plan.memberDim);
  // Only the member axis has count > 1 besides y, x; its stride in the slice is ny·nx·(sizes after it, all 1).
  const data = new Float32Array(plan.memberIndex.length * n);
  // A plain loop, not a callback per call: see products.ts on V8 compiling loops in fresh closures.
  for (let k = 0; k < plan.memberIndex.length; k++) {
    const off = (plan.memberIndex[k] - plan.start[mDim]) * n;
    for (let p = 0; p < n; p++) data[k * n + p] = dec.data[off + p];
  }
  const units = typeof v.attrs.units === 'string' ? v.attrs.units : '1';
  const std = v.attrs.standard_name;
  const height = scalarHeight(ds);
  return {
    variable: req.variable,
    units,
    data,
    members: plan.memberIds,
    ny,
    nx,
    grid: gridOf(ds, req, plan, ny, nx),
    validTime: time.validTime,
    ...(time.initTime !== undefined ? { initTime: time.initTime } : {}),
    ...(time.leadHours !== undefined ? { leadHours: time.leadHours } : {}),
    ...(time.timeBounds ? { timeBounds: time.timeBounds } : {}),
    ...(typeof std === 'string' && std ? { standardName: std } : {}),
    ...(height !== undefined ? { height } : {}),
    level: plan.level,
    source: req.source.path,
  };
}
