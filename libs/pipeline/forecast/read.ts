/**
 * Read the one ensemble field a forecast request names — variable, pressure level, time index and member
 * subset — from an open Dataset, as an EnsembleField [member, y, x]. Also the cheap "preflight" that the
 * API runs before enqueueing, so bad requests are answered at once (422) instead of failing later.
 */
import { InvalidArgumentError, MismatchError, NotFoundInFileError } from '../../contracts/errors.js';
import type { ForecastRequest } from '../../contracts/jobs.js';
import type { EnsembleField, Grid } from '../../ensemble/types.js';
import type { Dataset } from '../../netcdf/types.js';
import { readSteps } from '../dataset/index.js';

const LEVEL_DIMS = ['level', 'isobaricInhPa', 'pressure', 'plev', 'pressure_level', 'lev'];
const LAT_NAMES = ['latitude', 'lat', 'y', 'projection_y_coordinate', 'grid_latitude'];
const LON_NAMES = ['longitude', 'lon', 'x', 'projection_x_coordinate', 'grid_longitude'];

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
  timeIndex: number;
  level?: number;
  yName: string;
  xName: string;
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
  const member = ds.memberAxis();
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
  let timeIndex = 0;
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
      timeIndex = req.time ?? size - 1;
      if (timeIndex >= size)
        throw new InvalidArgumentError(
          `time index ${timeIndex} is out of range: '${name}' has ${size} entries`,
        );
      start[d] = timeIndex;
    }
  }
  if (req.level !== undefined && level === undefined)
    throw new InvalidArgumentError(`level ${req.level} was given but '${req.variable}' has no level axis`);
  return {
    dims: v.dims,
    start,
    count,
    memberDim: member.name,
    memberIndex,
    memberIds: memberIndex.map((i) => ids[i]),
    timeDim,
    timeIndex,
    level,
    yName,
    xName,
  };
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
function readValidTime(ds: Dataset, plan: FieldLayout): number {
  if (plan.timeDim === 'step' || (plan.timeDim === undefined && ds.hasVariable('step'))) {
    const steps = readSteps(ds);
    const init = ['time', 'forecast_reference_time']
      .filter((t) => ds.hasVariable(t))
      .map((t) => firstTime(ds, t))
      .find(Number.isFinite);
    if (steps && init !== undefined) return init + steps[plan.timeDim ? plan.timeIndex : 0] * 3600;
    return NaN;
  }
  if (plan.timeDim && ds.hasVariable(plan.timeDim)) return firstTime(ds, plan.timeDim, plan.timeIndex);
  return ds.hasVariable('time') ? firstTime(ds, 'time') : NaN;
}

/** Read the planned hyperslab and keep the requested members: data[member, y, x] float32. */
export function readField(ds: Dataset, req: ForecastRequest, plan: FieldLayout): EnsembleField {
  const v = ds.variable(req.variable);
  const dec = ds.readVariable(req.variable, { start: plan.start, count: plan.count });
  const ny = plan.count[plan.count.length - 2];
  const nx = plan.count[plan.count.length - 1];
  const n = ny * nx;
  const mDim = plan.dims.indexOf(plan.memberDim);
  // Only the member axis has count > 1 besides y, x; its stride in the slice is ny·nx·(sizes after it, all 1).
  const data = new Float32Array(plan.memberIndex.length * n);
  plan.memberIndex.forEach((mi, k) => {
    const off = (mi - plan.start[mDim]) * n;
    for (let p = 0; p < n; p++) data[k * n + p] = dec.data[off + p];
  });
  const validTime = readValidTime(ds, plan);
  const units = typeof v.attrs.units === 'string' ? v.attrs.units : '1';
  return {
    variable: req.variable,
    units,
    data,
    members: plan.memberIds,
    ny,
    nx,
    grid: buildGrid(ds, plan.yName, plan.xName, ny, nx),
    validTime,
    level: plan.level,
    source: req.source.path,
  };
}
